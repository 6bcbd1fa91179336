#pragma once
// A latent-variable model (a VAE of any kind) fitted to data by the ELBO or
// the IWAE bound: every evaluation measures the ELBO and the training bound on
// the test split; the final one log p(x) with K importance samples, the bounds
// L_k, active units, reconstructions and the amortisation gap.
#include "data/dataset.hpp"
#include "problems/data_batches.hpp"
#include "problems/problem_settings.hpp"
#include "objectives/objective.hpp"
#include "training/problem.hpp"
#include "vae/latent_variable_model.hpp"

#include <memory>

namespace tractable {

class LatentVariableFit : public Problem {
 public:
  LatentVariableFit(LatentVariableModel& vae, std::unique_ptr<Objective> objective, Dataset data,
                    const ProblemSettings& settings, const LatentEvaluationSettings& evaluation,
                    const Communicator& comm);

  void initialize() override;
  double loss_and_gradients(std::int64_t step, Real scale) override;
  std::map<std::string, double> evaluate(std::int64_t step, bool final_pass, PendingResults& pending) override;
  // log p(x) with K samples per example and the bounds L_k (k = 1, 5, 10, 50, … ≤ K) from the same samples.
  std::optional<ValidationLoss> validation_loss() override;
  Measurement measure(const MeasureRequest& request) override;
  void describe(RunHeader& header, PendingResults& first) const override;
  void save(Checkpoint& c) const override;
  void restore(const Checkpoint& c) override;

 private:
  // log p(x) with K samples, L_k, active units, the amortisation gap and reconstructions: the last evaluation only.
  void final_evaluation(const HostMatrix& test, std::map<std::string, double>& results, PendingResults& pending);

  LatentVariableModel& vae_;
  std::unique_ptr<Objective> objective_;
  Dataset data_;
  ProblemSettings settings_;
  LatentEvaluationSettings evaluation_;
  const Communicator& comm_;
  DataBatches batches_;
  RandomStream sample_stream_;
};

}  // namespace tractable
