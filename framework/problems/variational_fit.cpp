#include "problems/variational_fit.hpp"

#include "problems/evaluation.hpp"
#include "training/progress.hpp"

#include <cmath>

namespace tractable {

VariationalFit::VariationalFit(Flow& flow, std::unique_ptr<Objective> objective, std::unique_ptr<Target> target,
                               std::string target_name, const ProblemSettings& settings,
                               const VariationalEvaluationSettings& evaluation, const Communicator& comm,
                               Progress& progress)
    : FlowProblem(flow, settings, comm),
      objective_(std::move(objective)),
      target_(std::move(target)),
      target_name_(std::move(target_name)),
      evaluation_(evaluation),
      progress_(progress),
      noise_stream_(settings.seed, 0, Stream::noise),
      first_global_row_(comm.shard(settings.global_batch).first),
      noise_("tractable::run::base_noise", comm.shard(settings.global_batch).second - first_global_row_, flow.dim()) {
  // log Z of the target, to turn the ELBO into KL(q‖p): closed form, or a fine quadrature in 2D.
  reference_log_z_ = target_->log_normalizer();
  if (std::isnan(reference_log_z_) && flow.dim() == 2)
    reference_log_z_ = quadrature_log_normalizer(*target_, -8, 8, 1600);
}

double VariationalFit::loss_and_gradients(std::int64_t step, Real scale) {
  noise_stream_.fill_normal_at(noise_, (std::uint64_t(step) * settings_.global_batch + first_global_row_) * flow_.dim());
  objective_->set_position(step, first_global_row_);
  return objective_->sum_and_backward(noise_, scale);
}

Measurement VariationalFit::measure(const MeasureRequest& request) {
  flow_.set_training(false);
  const RandomStream eval_stream(settings_.seed, 0, Stream::eval);
  const auto r = evaluate_importance(flow_, *target_, eval_stream, evaluation_.eval_samples, request.batch, comm_,
                                     reference_log_z_);
  return {{"elbo", r.elbo},          {"log_z", r.log_z}, {"ess_fraction", r.ess_fraction},
          {"kl", r.kl},              {"reference_log_z", reference_log_z_},
          {"n", double(evaluation_.eval_samples)}};
}

std::map<std::string, double> VariationalFit::evaluate(std::int64_t step, bool final_pass, PendingResults& pending) {
  flow_.set_training(false);
  const RandomStream eval_stream(settings_.seed, 0, Stream::eval);  // the same block of noise at every evaluation
  const auto r = evaluate_importance(flow_, *target_, eval_stream, evaluation_.eval_samples, settings_.eval_batch,
                                     comm_, reference_log_z_);
  std::map<std::string, double> results = {{"elbo", r.elbo}, {"log_z", r.log_z}, {"ess_fraction", r.ess_fraction}};
  if (!std::isnan(reference_log_z_)) results["kl"] = r.kl;
  const McmcOptions& mcmc = evaluation_.mcmc;
  if (final_pass && comm_.is_root() && (mcmc.proposals > 0 || mcmc.hmc_chains > 0)) {
    progress_.note("MCMC: " + std::to_string(mcmc.proposals) + " flow proposals" +
                   (mcmc.hmc_chains ? ", HMC baseline " + std::to_string(mcmc.hmc_chains) + " chains × " +
                                          std::to_string(mcmc.hmc.trajectories) + " trajectories"
                                    : std::string()));
    auto report = evaluate_mcmc(flow_, *target_, mcmc, settings_.seed, settings_.eval_batch);
    for (const auto& [name, value] : report.scalars) results[name] = value;
    for (auto& a : report.arrays) pending.arrays.push_back(std::move(a));
  }
  record_samples_and_grid(step, final_pass, pending, nullptr, target_.get());
  flow_.set_training(true);
  return results;
}

void VariationalFit::describe(RunHeader& header, PendingResults& first) const {
  header.data_origin = "target:" + target_name_;
  header.data_dim = flow_.dim();
  if (!std::isnan(reference_log_z_))
    first.arrays.push_back(NamedArray{"/eval/reference_log_z", {reference_log_z_}, {1}, {}});
}

void VariationalFit::add_to_summary(std::map<std::string, double>& results) const {
  if (!std::isnan(reference_log_z_)) results["reference_log_z"] = reference_log_z_;
}

}  // namespace tractable
