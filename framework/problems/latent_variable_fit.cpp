#include "problems/latent_variable_fit.hpp"

#include "problems/density_estimation.hpp"
#include "problems/vae_evaluation.hpp"

#include <algorithm>

namespace tractable {

LatentVariableFit::LatentVariableFit(LatentVariableModel& vae, std::unique_ptr<Objective> objective, Dataset data,
                                     const ProblemSettings& settings, const LatentEvaluationSettings& evaluation,
                                     const Communicator& comm)
    : vae_(vae),
      objective_(std::move(objective)),
      data_(std::move(data)),
      settings_(settings),
      evaluation_(evaluation),
      comm_(comm),
      batches_(data_.train, settings.global_batch, settings.seed, settings.dynamic_binarization, comm),
      sample_stream_(settings.seed, 0, Stream::sample) {}

void LatentVariableFit::initialize() {
  // No data-dependent initialisation; the first batch is drawn and rewound as for flows, so the
  // data order is the same whatever the model.
  batches_.with_first_batch([](const Matrix&) {});
}

double LatentVariableFit::loss_and_gradients(std::int64_t step, Real scale) {
  const Matrix& x = batches_.at(step);
  objective_->set_position(step, batches_.first_global_row());
  return objective_->sum_and_backward(x, scale);
}

std::map<std::string, double> LatentVariableFit::evaluate(std::int64_t step, bool final_pass, PendingResults& pending) {
  // Every evaluation: the ELBO and the training bound L_k on the test split.
  const RandomStream eval_stream(settings_.seed, 0, Stream::eval);
  const std::size_t k = evaluation_.samples;
  const HostMatrix test =
      evaluation_.eval_test_points > 0 ? gather_rows(data_.test, evaluation_.eval_test_points) : data_.test;
  const auto quick = evaluate_vae(vae_, test, k, {1, k}, eval_stream, settings_.eval_batch, comm_);
  std::map<std::string, double> results = {{"test_elbo", quick.elbo}, {"test_bound", quick.bounds.at(k)}};
  if (final_pass) final_evaluation(test, results, pending);
  if (comm_.is_root() && settings_.n_samples > 0)
    pending.samples.emplace_back(step, vae_.sample_means(sample_stream_, settings_.n_samples));
  return results;
}

std::optional<ValidationLoss> LatentVariableFit::validation_loss() {
  if (data_.validation.extent(0) == 0) return std::nullopt;
  // −L_k with the training objective's k (−ELBO for k = 1) on every validation row, from its own noise stream.
  const RandomStream stream(settings_.seed, 2, Stream::eval);
  const std::size_t k = evaluation_.samples;
  const auto r = evaluate_vae(vae_, data_.validation, k, {k}, stream, settings_.eval_batch, comm_);
  return ValidationLoss{"validation_loss", -r.bounds.at(k)};
}

Measurement LatentVariableFit::measure(const MeasureRequest& request) {
  const std::size_t K = request.importance_samples > 0 ? request.importance_samples : evaluation_.eval_importance_samples;
  const HostMatrix& all = data_.split(request.split);
  const HostMatrix rows = request.points > 0 ? gather_rows(all, request.points) : all;
  std::vector<std::size_t> ks;
  for (std::size_t k = 1; k <= K; k *= 10) ks.push_back(k);
  for (std::size_t k = 5; k <= K; k *= 10) ks.push_back(k);
  const RandomStream stream(settings_.seed, 0, Stream::eval);
  const auto r = evaluate_vae(vae_, rows, K, ks, stream, request.batch, comm_);
  Measurement out{{"nll", r.nll},
                  {"bits_per_dim", r.bits_per_dim},
                  {"elbo", r.elbo},
                  {"importance_samples", double(K)},
                  {"active_units", double(r.active_units)}};
  for (const auto& [k, value] : r.bounds) out.emplace_back("bounds." + std::to_string(k), value);
  out.emplace_back("n", double(rows.extent(0)));
  return out;
}

void LatentVariableFit::final_evaluation(const HostMatrix& test, std::map<std::string, double>& results,
                                         PendingResults& pending) {
  const RandomStream eval_stream(settings_.seed, 0, Stream::eval);
  const std::size_t K = evaluation_.eval_importance_samples;
  const auto full = evaluate_vae(vae_, test, K, evaluation_.eval_bounds, eval_stream, settings_.eval_batch, comm_);
  results["test_nll"] = full.nll;
  results["test_bits_per_dim"] = full.bits_per_dim;
  results["active_units"] = double(full.active_units);
  // Per-example log p̂(x): each rank's shard, gathered in order to the root (measured choice: docs/explanation/parallelism.md).
  const auto per_example = comm_.gather_to_root(full.local_log_likelihood);
  if (comm_.is_root())
    pending.arrays.push_back(NamedArray{"/eval/test_log_likelihood", per_example, {per_example.size()},
                                        {{"importance_samples", double(K)}}});
  for (const auto& [bk, value] : full.bounds) results["test_bound_k" + std::to_string(bk)] = value;
  pending.arrays.push_back(NamedArray{"/eval/posterior_mean_variance", full.posterior_mean_variance,
                                      {full.posterior_mean_variance.size()}, {{"threshold", 1e-2}}});
  if (evaluation_.amortization_gap_points > 0) {
    const RandomStream gap_stream(settings_.seed, 1, Stream::eval);
    const auto gap = measure_amortization_gap(vae_, test, evaluation_.amortization_gap_points,
                                              evaluation_.amortization_gap_steps, evaluation_.amortization_gap_lr, 10,
                                              1000, gap_stream, comm_);
    results["amortized_elbo"] = gap.encoder_elbo;
    results["optimized_elbo"] = gap.optimized_elbo;
    results["amortization_gap"] = gap.gap();
  }
  if (!comm_.is_root()) return;
  const HostMatrix inputs = gather_rows(data_.test, std::min<std::size_t>(settings_.n_samples, 64));
  std::vector<double> reconstruction_log_likelihood;
  const HostMatrix reconstructions = vae_reconstructions(vae_, inputs, &reconstruction_log_likelihood);
  auto flat = [](const HostMatrix& m) { return std::vector<double>(m.data(), m.data() + m.extent(0) * m.extent(1)); };
  pending.arrays.push_back(
      NamedArray{"/eval/reconstruction_inputs", flat(inputs), {inputs.extent(0), inputs.extent(1)}, {}});
  pending.arrays.push_back(NamedArray{"/eval/reconstructions", flat(reconstructions),
                                      {reconstructions.extent(0), reconstructions.extent(1)}, {}});
  // log p(x|z) at the same latents, through the decoder likelihood training uses: the analysis
  // checks it against the closed form from the stored inputs, means and variance.
  pending.arrays.push_back(NamedArray{"/eval/reconstruction_log_likelihood", reconstruction_log_likelihood,
                                      {reconstruction_log_likelihood.size()}, {}});
}

void LatentVariableFit::describe(RunHeader& header, PendingResults&) const {
  describe_data(data_, settings_.n_data_points, header);
}

void LatentVariableFit::save(Checkpoint& c) const {
  batches_.save(c);
  c.sample_counter = sample_stream_.counter();
}

void LatentVariableFit::restore(const Checkpoint& c) {
  batches_.restore(c);
  sample_stream_.set_counter(c.sample_counter);
}

}  // namespace tractable
