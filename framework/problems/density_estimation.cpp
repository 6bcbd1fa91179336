#include "problems/density_estimation.hpp"

#include "problems/evaluation.hpp"

namespace tractable {

DensityEstimation::DensityEstimation(Flow& flow, std::unique_ptr<Objective> objective, Dataset data,
                                     const ProblemSettings& settings, const Communicator& comm)
    : FlowProblem(flow, settings, comm),
      objective_(std::move(objective)),
      data_(std::move(data)),
      batches_(data_.train, settings.global_batch, settings.seed, settings.dynamic_binarization, comm) {}

void DensityEstimation::initialize() {
  // Data-dependent initialisation (ActNorm) from the first global batch.
  batches_.with_first_batch([&](const Matrix& x) { flow_.initialize_from_data(x, comm_); });
}

double DensityEstimation::loss_and_gradients(std::int64_t step, Real scale) {
  const Matrix& x = batches_.at(step);
  objective_->set_position(step, batches_.first_global_row());
  return objective_->sum_and_backward(x, scale);
}

std::map<std::string, double> DensityEstimation::evaluate(std::int64_t step, bool final_pass, PendingResults& pending) {
  flow_.set_training(false);  // running statistics (BatchNorm) while evaluating and sampling
  std::vector<double> local_log_p;
  const NllResult r = evaluate_nll(flow_, data_.test, settings_.eval_batch, comm_, final_pass ? &local_log_p : nullptr);
  if (final_pass) {
    // Per-example log p(x) of the test split: each rank's shard, gathered in order to the root.
    const auto per_example = comm_.gather_to_root(local_log_p);
    if (comm_.is_root())
      pending.arrays.push_back(NamedArray{"/eval/test_log_likelihood", per_example, {per_example.size()}, {}});
  }
  const std::map<std::string, double> results = {{"test_nll", r.nll}, {"test_bits_per_dim", r.bits_per_dim}};
  record_samples_and_grid(step, final_pass, pending, &data_.test, nullptr);
  flow_.set_training(true);
  return results;
}

std::optional<ValidationLoss> DensityEstimation::validation_loss() {
  if (data_.validation.extent(0) == 0) return std::nullopt;
  flow_.set_training(false);
  const NllResult r = evaluate_nll(flow_, data_.validation, settings_.eval_batch, comm_);
  flow_.set_training(true);
  return ValidationLoss{"validation_nll", r.nll};
}

Measurement DensityEstimation::measure(const MeasureRequest& request) {
  flow_.set_training(false);
  const HostMatrix& rows = data_.split(request.split);
  const NllResult r = evaluate_nll(flow_, rows, request.batch, comm_);
  return {{"nll", r.nll}, {"bits_per_dim", r.bits_per_dim}, {"n", double(rows.extent(0))}};
}

void describe_data(const Dataset& data, std::size_t n_data_points, RunHeader& header) {
  header.data_origin = data.origin;
  header.data_dim = data.dim();
  header.context_dim = data.context_dim;
  header.n_train = data.train.extent(0);
  header.n_validation = data.validation.extent(0);
  header.n_test = data.test.extent(0);
  header.data_points = gather_rows(data.test, n_data_points);
}

void DensityEstimation::describe(RunHeader& header, PendingResults&) const {
  describe_data(data_, settings_.n_data_points, header);
}

void DensityEstimation::save(Checkpoint& c) const {
  FlowProblem::save(c);
  batches_.save(c);
}

void DensityEstimation::restore(const Checkpoint& c) {
  FlowProblem::restore(c);
  batches_.restore(c);
}

}  // namespace tractable
