#include "registry/objective_types.hpp"

#include "core/error.hpp"
#include "objectives/importance_weighted_bound.hpp"
#include "objectives/negative_log_likelihood.hpp"
#include "objectives/reverse_kl.hpp"
#include "problems/density_estimation.hpp"
#include "problems/latent_variable_fit.hpp"
#include "problems/variational_fit.hpp"
#include "registry/target_types.hpp"

namespace tractable {

namespace {
namespace s = schema;
using nlohmann::json;

Flow& flow_of(const ObjectiveContext& c, const char* type) {
  if (!c.flow) throw SpecError(std::string("objective.type: '") + type + "' trains a flow; set model.type to \"flow\"");
  return *c.flow;
}
LatentVariableModel& vae_of(const ObjectiveContext& c, const char* type) {
  if (!c.vae) throw SpecError(std::string("objective.type: '") + type + "' trains a VAE; set model.type to \"vae\"");
  return *c.vae;
}

// ---- nll -------------------------------------------------------------------
std::unique_ptr<Problem> build_nll(const NoSettings&, ObjectiveContext& c) {
  Flow& flow = flow_of(c, "nll");
  return std::make_unique<DensityEstimation>(flow, std::make_unique<NegativeLogLikelihood>(flow), std::move(c.inputs.data),
                                             c.settings, c.comm);
}

// ---- reverse_kl ------------------------------------------------------------
Schema mcmc_schema() {
  return s::object({
      {"proposals", s::integer(0, 100000000), 0,
       "independence Metropolis with the trained flow as proposal: this many proposals x ~ q, accepted with min(1, w'/w), w = p̃/q (0: off)", false},
      {"thermalization", s::integer(0), 100, "first chain steps discarded (must be < proposals)", false},
      {"bootstrap_resamples", s::integer(0, 100000), 200, "bootstrap resamples for the error of χ", false},
      {"hmc",
       s::object({{"chains", s::integer(0, 65536), 0, "HMC baseline: independent chains (0: off)", false},
                  {"trajectories", s::integer(1, 100000000), 1000, "recorded trajectories per chain", false},
                  {"thermalization", s::integer(0), 200, "trajectories per chain discarded first", false},
                  {"leapfrog_steps", s::integer(1, 10000), 10, "leapfrog steps per trajectory", false},
                  {"step_size", s::number(0, std::nullopt, true), 0.1, "leapfrog step size ε", false}}),
       json::object(), "the baseline: Hamiltonian Monte Carlo on the target alone, chains from N(0, I) advancing together (one batched gradient per leapfrog step)", false}});
}
VariationalEvaluationSettings read_reverse_kl(const SpecSection& objective) {
  VariationalEvaluationSettings v;
  v.eval_samples = objective.get<std::size_t>("eval_samples");
  const SpecSection mcmc = objective.child("mcmc"), hmc = mcmc.child("hmc");
  v.mcmc.proposals = mcmc.get<std::size_t>("proposals");
  v.mcmc.thermalization = mcmc.get<std::size_t>("thermalization");
  v.mcmc.bootstrap_resamples = mcmc.get<std::size_t>("bootstrap_resamples");
  v.mcmc.hmc_chains = hmc.get<std::size_t>("chains");
  v.mcmc.hmc.trajectories = hmc.get<std::size_t>("trajectories");
  v.mcmc.hmc.thermalization = hmc.get<std::size_t>("thermalization");
  v.mcmc.hmc.leapfrog_steps = hmc.get<std::size_t>("leapfrog_steps");
  v.mcmc.hmc.step_size = hmc.get<double>("step_size");
  if (v.mcmc.proposals > 0 && v.mcmc.thermalization >= v.mcmc.proposals)
    throw SpecError(mcmc.where("thermalization") + ": " + std::to_string(v.mcmc.thermalization) +
                    " discards every one of the " + std::to_string(v.mcmc.proposals) + " proposals");
  return v;
}
std::unique_ptr<Problem> build_reverse_kl(const VariationalEvaluationSettings& v, ObjectiveContext& c) {
  Flow& flow = flow_of(c, "reverse_kl");
  require(c.inputs.target != nullptr, "reverse_kl: the problem inputs hold no target");
  if (c.inputs.target->dim() != flow.dim())
    throw SpecError("objective.target: dimension " + std::to_string(c.inputs.target->dim()) + " differs from the flow's " +
                    std::to_string(flow.dim()));
  auto objective = std::make_unique<ReverseKl>(flow, *c.inputs.target);
  return std::make_unique<VariationalFit>(flow, std::move(objective), std::move(c.inputs.target), c.inputs.target_name,
                                          c.settings, v, c.comm, c.progress);
}

// ---- elbo, iwae --------------------------------------------------------------
std::vector<SchemaField> bound_keys(int default_samples) {
  return {{"samples", s::integer(1, 100000), default_samples, "k: importance samples per example while training", false},
          {"eval_importance_samples", s::integer(1, 1000000), 5000,
           "K: importance samples per test example for log p(x) at the end of training (IWAE paper: 5000; the default of `tractable eval`)", false},
          {"eval_bounds", s::array(s::integer(1), 1), json::array({1, 5, 50, 500, 5000}),
           "the k of the bounds L_k reported at the end (each ≤ K; each averaged over the ⌊K/k⌋ disjoint groups of the same K samples)", false},
          {"eval_test_points", s::integer(0), 0, "test examples in the final evaluation (0: all)", false},
          {"amortization_gap_points", s::integer(0), 0,
           "at the end, optimise q(z|x) per example (decoder frozen) for this many test examples and report the ELBO gained: the amortisation gap (0: off)", false},
          {"amortization_gap_steps", s::integer(1), 300, "Adam steps of that optimisation (10 samples each); both ELBOs are estimated on the same 1000 draws per example", false},
          {"amortization_gap_lr", s::number(0, std::nullopt, true), 0.01, "its learning rate", false}};
}
struct BoundSettings {
  BoundOptions options;
  LatentEvaluationSettings evaluation;
};
BoundSettings read_bound(const SpecSection& o, BoundOptions::Kind kind) {
  BoundSettings b;
  b.options.samples = o.get<std::size_t>("samples");
  b.options.kind = kind;
  if (kind == BoundOptions::Kind::elbo) {
    b.options.beta = o.get<double>("beta");
    b.options.analytic_kl = o.get<std::string>("kl") == "analytic";
    b.options.kl_warmup_steps = o.get<std::int64_t>("kl_warmup_steps");
  }
  LatentEvaluationSettings& e = b.evaluation;
  e.samples = b.options.samples;
  e.eval_test_points = o.get<std::size_t>("eval_test_points");
  e.eval_bounds = o.get<std::vector<std::size_t>>("eval_bounds");
  e.eval_importance_samples = o.get<std::size_t>("eval_importance_samples");
  e.amortization_gap_points = o.get<std::size_t>("amortization_gap_points");
  e.amortization_gap_steps = o.get<std::size_t>("amortization_gap_steps");
  e.amortization_gap_lr = o.get<double>("amortization_gap_lr");
  for (std::size_t i = 0; i < e.eval_bounds.size(); ++i)
    if (e.eval_bounds[i] > e.eval_importance_samples)
      throw SpecError(o.where("eval_bounds") + "[" + std::to_string(i) + "]: " + std::to_string(e.eval_bounds[i]) +
                      " exceeds " + o.where("eval_importance_samples") + " (" +
                      std::to_string(e.eval_importance_samples) + ")");
  return b;
}
BoundSettings read_elbo(const SpecSection& o) { return read_bound(o, BoundOptions::Kind::elbo); }
BoundSettings read_iwae(const SpecSection& o) { return read_bound(o, BoundOptions::Kind::iwae); }
std::unique_ptr<Problem> build_bound(const BoundSettings& b, ObjectiveContext& c) {
  LatentVariableModel& vae = vae_of(c, b.options.kind == BoundOptions::Kind::iwae ? "iwae" : "elbo");
  // Noise from (seed, Stream::noise), keyed on each example's global row.
  auto objective = std::make_unique<ImportanceWeightedBound>(vae, b.options, RandomStream(c.settings.seed, 0, Stream::noise),
                                                             c.settings.global_batch);
  return std::make_unique<LatentVariableFit>(vae, std::move(objective), std::move(c.inputs.data), c.settings,
                                             b.evaluation, c.comm);
}
const char* kTrainsVae = "trains a variational autoencoder; set model.type to \"vae\"";
const char* kDoesNotTrainVae = "does not train a VAE; use \"elbo\" or \"iwae\"";

std::vector<SchemaField> join(std::vector<SchemaField> a, const std::vector<SchemaField>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
}  // namespace

const ObjectiveRegistry& objective_registry() {
  static const ObjectiveRegistry registry(
      "objective.type",
      {register_type("nll", "maximum likelihood (forward KL) on the training data (flows)", {}, &read_nothing, &build_nll)
           .refuses("model:vae", kDoesNotTrainVae),
       register_type(
           "reverse_kl",
           "variational inference (flows): fit q to an unnormalised target p̃ by minimising E_q[log q − log p̃] "
           "through the sampling path; the spec has no `data` section (it is refused). At the end, optionally MCMC "
           "(`mcmc`): independence Metropolis with the trained flow as proposal and an HMC baseline, written to "
           "`/eval` (`mcmc_flow_*`, `mcmc_hmc_*`) and `/eval/mcmc/`: acceptance, τ_int (Sokal's window, c = 5) of "
           "O = Σ_j x_j, and χ = Var(O)/D with a blocked-bootstrap error (blocks of ⌈4 τ_int⌉); for phi4, χ is the two-point "
           "susceptibility χ₂ = Σ_x G_c(x)",
           {{"target", target_registry().schema("unnormalised target density"), nullptr,
             "the target density p̃: a type from the target table, with its keys", false},
            {"eval_samples", s::integer(2), 20000, "importance samples per evaluation (ELBO, log Z, ESS)", false},
            {"mcmc", mcmc_schema(), json::object(),
             "MCMC at the end (off unless `proposals` or `hmc.chains` > 0): `proposals`, `thermalization`, "
             "`bootstrap_resamples`, and `hmc` with `chains`, `trajectories`, `thermalization`, `leapfrog_steps`, "
             "`step_size` (phi4 at L = 8: 20 × 0.05 accepts 97 %)",
             false}},
           &read_reverse_kl, &build_reverse_kl)
           .refuses("model:vae", kDoesNotTrainVae)
           .refuses("layer:batch_statistics",
                    "trains through the sampling direction, where a layer has no batch statistics to normalise by; "
                    "use actnorm")
           .refuses("base:not_reparameterisable",
                    "cannot train a base that is not reparameterisable (a mixture's component choice has no gradient); use "
                    "standard_normal or diagonal_gaussian"),
       register_type("elbo",
                     "the VAE evidence lower bound averaged over k reparameterised samples (needs `model.type` `vae`); "
                     "`kl` `sampled` with k = 1 is exactly IWAE with k = 1",
                     join(bound_keys(1),
                          {{"beta", s::number(0), 1.0, "weight of the KL term (β-VAE)", false},
                           {"kl", s::string({"analytic", "sampled"}), "analytic",
                            "closed-form KL(q‖p) to N(0, I) or its single-sample estimate log q − log p", false},
                           {"kl_warmup_steps", s::integer(0), 0, "β ramps linearly from 0 over this many steps (0: off)",
                            false}}),
                     &read_elbo, &build_bound)
           .needs("model:vae", kTrainsVae)
           .needs("model:one_stochastic_layer",
                  "has no closed form with two stochastic layers; set it to \"sampled\"", "kl", "analytic")
           .needs("posterior:analytic_kl", "needs a posterior whose KL has a closed form; set it to \"sampled\"",
                  "kl", "analytic"),
       register_type("iwae",
                     "the importance-weighted bound L_k = log (1/k) Σ_j w_j (Burda et al. 2016; needs `model.type` `vae`)",
                     bound_keys(5), &read_iwae, &build_bound)
           .needs("model:vae", kTrainsVae)});
  return registry;
}

}  // namespace tractable
