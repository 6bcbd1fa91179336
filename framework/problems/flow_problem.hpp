#pragma once
// What the two flow problems share: the flow, the sampling stream (part of
// every checkpoint) and what every evaluation stores beside its scalars:
// samples, and at the end a 2-D log-density grid.
#include "distributions/targets/target.hpp"
#include "problems/problem_settings.hpp"
#include "flows/flow.hpp"
#include "parallel/communicator.hpp"
#include "training/problem.hpp"

namespace tractable {

class FlowProblem : public Problem {
 public:
  void save(Checkpoint& c) const override;
  void restore(const Checkpoint& c) override;

 protected:
  FlowProblem(Flow& flow, const ProblemSettings& settings, const Communicator& comm);
  // Samples (every evaluation) and, at the end, the log-density grid over a square that covers
  // `cover` (or the samples) with a margin, and the target's grid beside it when there is one.
  void record_samples_and_grid(std::int64_t step, bool final_pass, PendingResults& pending, const HostMatrix* cover,
                               const Target* target);

  Flow& flow_;
  ProblemSettings settings_;
  const Communicator& comm_;
  RandomStream sample_stream_;
};

}  // namespace tractable
