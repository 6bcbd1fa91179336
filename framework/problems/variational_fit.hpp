#pragma once
// A flow fitted to an unnormalised target by reverse KL (objective
// "reverse_kl"): each step's rows are base noise drawn by global row index;
// evaluations estimate the ELBO, log Z, ESS and KL by importance sampling, and
// at the end optionally run MCMC with the flow as proposal beside an HMC baseline.
#include "problems/flow_problem.hpp"
#include "objectives/objective.hpp"

#include <memory>
#include <string>

namespace tractable {

class Progress;

class VariationalFit : public FlowProblem {
 public:
  VariationalFit(Flow& flow, std::unique_ptr<Objective> objective, std::unique_ptr<Target> target,
                 std::string target_name, const ProblemSettings& settings,
                 const VariationalEvaluationSettings& evaluation, const Communicator& comm, Progress& progress);

  double loss_and_gradients(std::int64_t step, Real scale) override;
  std::map<std::string, double> evaluate(std::int64_t step, bool final_pass, PendingResults& pending) override;
  // Importance sampling with the flow as proposal (the split is not used: the target is the distribution).
  Measurement measure(const MeasureRequest& request) override;
  void describe(RunHeader& header, PendingResults& first) const override;
  void add_to_summary(std::map<std::string, double>& results) const override;

 private:
  std::unique_ptr<Objective> objective_;
  std::unique_ptr<Target> target_;
  std::string target_name_;
  VariationalEvaluationSettings evaluation_;
  Progress& progress_;
  RandomStream noise_stream_;
  std::size_t first_global_row_;
  Matrix noise_;             // [B_local, D]
  double reference_log_z_;   // NaN when neither closed form nor 2-D quadrature gives it
};

}  // namespace tractable
