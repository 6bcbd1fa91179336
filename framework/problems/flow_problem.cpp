#include "problems/flow_problem.hpp"

#include "problems/evaluation.hpp"

#include <algorithm>
#include <cmath>

namespace tractable {

FlowProblem::FlowProblem(Flow& flow, const ProblemSettings& settings, const Communicator& comm)
    : flow_(flow), settings_(settings), comm_(comm), sample_stream_(settings.seed, 0, Stream::sample) {}

void FlowProblem::save(Checkpoint& c) const { c.sample_counter = sample_stream_.counter(); }

void FlowProblem::restore(const Checkpoint& c) { sample_stream_.set_counter(c.sample_counter); }

void FlowProblem::record_samples_and_grid(std::int64_t step, bool final_pass, PendingResults& pending,
                                          const HostMatrix* cover, const Target* target) {
  HostMatrix samples;
  if (comm_.is_root() && settings_.n_samples > 0) {
    // A conditional flow draws at the contexts of `cover` (the test rows): joint samples beside the test points.
    samples = draw_samples(flow_, sample_stream_, settings_.n_samples, settings_.eval_batch,
                           flow_.context_dim() > 0 && cover ? *cover : HostMatrix());
    pending.samples.emplace_back(step, samples);
  }
  const std::size_t grid = settings_.density_grid;
  // The grid is of p(x), so a conditional flow p(x | c) has none.
  if (!(final_pass && comm_.is_root() && flow_.dim() == 2 && flow_.context_dim() == 0 && grid > 1)) return;
  // Cover the data (or the target's mass) with a margin, on a square so the heat-map is not distorted.
  double extent = target ? 4.0 : 0.0;
  const HostMatrix& points = cover ? *cover : samples;
  for (std::size_t i = 0; i < points.extent(0); ++i)
    extent = std::max({extent, std::abs(double(points(i, 0))), std::abs(double(points(i, 1)))});
  extent = std::min(std::ceil(extent * 1.1 * 2) / 2, 50.0);
  pending.arrays.push_back(log_density_grid(flow_, -extent, extent, grid, "/eval/density_grid"));
  if (target) pending.arrays.push_back(log_density_grid(*target, -extent, extent, grid, "/eval/target_log_density_grid"));
}

}  // namespace tractable
