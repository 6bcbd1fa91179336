#pragma once
// Maximum likelihood (forward KL from the data): loss_i = −log p(x_i).
#include "flows/flow.hpp"
#include "objectives/objective.hpp"

namespace tractable {

class NegativeLogLikelihood : public Objective {
 public:
  explicit NegativeLogLikelihood(Flow& flow) : flow_(flow) {}
  double sum_and_backward(const Matrix& batch, Real scale) override;
  double sum(const Matrix& batch) override;
  std::string name() const override { return "nll"; }

 private:
  Flow& flow_;
  Vector dlogp_;  // [B] = −scale
};

}  // namespace tractable
