#include "experiment/problem_from_spec.hpp"

#include "core/error.hpp"
#include "data/mnist.hpp"
#include "experiment/build_from_spec.hpp"
#include "experiment/density_estimation.hpp"
#include "experiment/latent_variable_fit.hpp"
#include "experiment/variational_fit.hpp"

namespace tractable {

using nlohmann::json;

TrainerSettings trainer_settings(const json& spec) {
  const json& t = spec.at("training");
  TrainerSettings s;
  s.steps = t.at("steps");
  s.global_batch = t.at("batch_size");
  s.log_every = t.at("log_every");
  s.eval_every = t.at("eval_every");
  s.checkpoint_every = t.at("checkpoint_every");
  s.clip_grad_norm = spec.at("optimizer").at("clip_grad_norm");
  const std::string policy = t.at("on_non_finite");
  s.on_non_finite = policy == "skip"       ? TrainerSettings::OnNonFinite::skip
                    : policy == "rollback" ? TrainerSettings::OnNonFinite::rollback
                                           : TrainerSettings::OnNonFinite::stop;
  s.max_skipped_steps = t.at("max_skipped_steps");
  s.rollback_lr_factor = t.at("rollback_lr_factor");
  return s;
}

ProblemSettings problem_settings(const json& spec) {
  const json &t = spec.at("training"), &output = spec.at("output");
  ProblemSettings s;
  s.seed = t.at("seed").get<std::uint64_t>();
  s.global_batch = t.at("batch_size");
  s.eval_batch = t.at("eval_batch_size");
  s.n_samples = output.at("n_samples");
  s.density_grid = output.at("density_grid");
  s.n_data_points = output.at("n_data_points");
  s.dynamic_binarization = spec.at("objective").at("type") != "reverse_kl" && spec.at("data").contains("binarize") &&
                           spec.at("data").at("binarize") == "dynamic";
  return s;
}

namespace {

VariationalEvaluationSettings variational_settings(const json& objective) {
  VariationalEvaluationSettings s;
  s.eval_samples = objective.at("eval_samples");
  const json& mcmc = objective.at("mcmc");
  s.mcmc.proposals = mcmc.at("proposals");
  s.mcmc.thermalization = mcmc.at("thermalization");
  s.mcmc.bootstrap_resamples = mcmc.at("bootstrap_resamples");
  const json& hmc = mcmc.at("hmc");
  s.mcmc.hmc_chains = hmc.at("chains");
  s.mcmc.hmc.trajectories = hmc.at("trajectories");
  s.mcmc.hmc.thermalization = hmc.at("thermalization");
  s.mcmc.hmc.leapfrog_steps = hmc.at("leapfrog_steps");
  s.mcmc.hmc.step_size = hmc.at("step_size");
  return s;
}

LatentEvaluationSettings latent_settings(const json& objective) {
  LatentEvaluationSettings s;
  s.samples = objective.at("samples");
  s.eval_test_points = objective.at("eval_test_points");
  for (const auto& k : objective.at("eval_bounds")) s.eval_bounds.push_back(k.get<std::size_t>());
  s.eval_importance_samples = objective.at("eval_importance_samples");
  s.amortization_gap_points = objective.at("amortization_gap_points");
  s.amortization_gap_steps = objective.at("amortization_gap_steps");
  s.amortization_gap_lr = objective.at("amortization_gap_lr");
  return s;
}

}  // namespace

ProblemInputs load_problem_inputs(const json& spec) {
  const json& objective = spec.at("objective");
  const bool is_vae = spec.at("model").at("type") == "vae";
  ProblemInputs in;
  if (objective.at("type") == "reverse_kl") {
    in.target = build_target(objective.at("target"));
    in.target_name = objective.at("target").at("type").get<std::string>();
    in.dim = in.target->dim();
    in.data.origin = "target:" + in.target_name;
  } else {
    in.data = load_dataset(spec.at("data"));
    Dataset& data = in.data;
    if (data.train.extent(0) == 0 || data.test.extent(0) == 0)
      throw DataError(data.origin + ": the train and test splits must both be non-empty");
    check_finite(data.train, data.origin + " (train split)");
    check_finite(data.test, data.origin + " (test split)");
    in.dim = data.dim();
    if (is_vae && spec.at("model").at("decoder").at("type") == "bernoulli") {
      check_unit_interval(data.train, data.origin + " (train split)");
      check_unit_interval(data.test, data.origin + " (test split)");
    }
  }
  if (!is_vae && in.dim < 2)
    throw DataError(in.data.origin + ": has " + std::to_string(in.dim) +
                    " column(s); a coupling flow needs data with at least 2 dimensions");
  return in;
}

std::unique_ptr<Problem> make_problem(const json& spec, ModelSession& session, ProblemInputs inputs,
                                      const Communicator& comm, Progress& progress) {
  const json& objective = spec.at("objective");
  const ProblemSettings settings = problem_settings(spec);
  if (session.vae)
    return std::make_unique<LatentVariableFit>(
        *session.vae, build_vae_objective(objective, *session.vae, settings.seed, settings.global_batch),
        std::move(inputs.data), settings, latent_settings(objective), comm);
  Flow& flow = *session.flow;
  if (inputs.target) {
    auto fit_objective = build_objective(objective, flow, inputs.target.get());
    return std::make_unique<VariationalFit>(flow, std::move(fit_objective), std::move(inputs.target),
                                            inputs.target_name, settings, variational_settings(objective), comm,
                                            progress);
  }
  return std::make_unique<DensityEstimation>(flow, build_objective(objective, flow, nullptr), std::move(inputs.data),
                                             settings, comm);
}

}  // namespace tractable
