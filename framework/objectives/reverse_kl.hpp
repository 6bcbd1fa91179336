#pragma once
// Reverse KL to an unnormalised target (variational inference with a flow):
//   loss_i = log q(x_i) − log p̃(x_i),  x_i = f^{-1}(z_i),  z_i ~ N(0, I),
// whose mean is KL(q‖p) − log Z. Gradients flow through the sampling
// direction (reparameterisation): dL/dx = −∇ log p̃(x), dL/d log q = 1.
// The "batch" is the base noise z, which the runner draws per global row so
// that N ranks see exactly the noise one rank would.
#include "distributions/targets/target.hpp"
#include "flows/flow.hpp"
#include "objectives/objective.hpp"

namespace tractable {

class ReverseKl : public Objective {
 public:
  ReverseKl(Flow& flow, const Target& target) : flow_(flow), target_(target) {}
  double sum_and_backward(const Matrix& base_noise, Real scale) override;
  double sum(const Matrix& base_noise) override;
  std::string name() const override { return "reverse_kl"; }

  // log p̃(x_i) − log q(x_i) of the last call: importance log-weights [B].
  const Vector& log_weights() const { return log_weights_; }

 private:
  Flow& flow_;
  const Target& target_;
  Vector log_q_, log_target_, log_weights_, dlog_q_;
  Matrix sample_;  // x of the last call (the flow's buffer)
  Matrix dx_;
};

}  // namespace tractable
