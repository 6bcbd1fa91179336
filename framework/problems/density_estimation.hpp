#pragma once
// A flow fitted to data by maximum likelihood (objective "nll"): batches from
// the training split, the test NLL at every evaluation, per-example log p(x)
// of the test split at the end.
#include "data/dataset.hpp"
#include "problems/data_batches.hpp"
#include "problems/flow_problem.hpp"
#include "objectives/objective.hpp"

#include <memory>

namespace tractable {

class DensityEstimation : public FlowProblem {
 public:
  DensityEstimation(Flow& flow, std::unique_ptr<Objective> objective, Dataset data, const ProblemSettings& settings,
                    const Communicator& comm);

  void initialize() override;
  double loss_and_gradients(std::int64_t step, Real scale) override;
  std::map<std::string, double> evaluate(std::int64_t step, bool final_pass, PendingResults& pending) override;
  std::optional<ValidationLoss> validation_loss() override;
  Measurement measure(const MeasureRequest& request) override;
  void describe(RunHeader& header, PendingResults& first) const override;
  void save(Checkpoint& c) const override;
  void restore(const Checkpoint& c) override;

 private:
  std::unique_ptr<Objective> objective_;
  Dataset data_;
  DataBatches batches_;
};

// The run-file header of a problem trained on data: origin, sizes and the first test rows.
void describe_data(const Dataset& data, std::size_t n_data_points, RunHeader& header);

}  // namespace tractable
