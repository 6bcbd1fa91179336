#pragma once
// Stochastic gradient descent with (optionally Nesterov) momentum and L2
// weight decay, in PyTorch's convention: b = μ b + g; p -= lr · b.
#include "optim/optimizer.hpp"

namespace tractable {

struct SgdConfig {
  Real momentum = 0;
  Real weight_decay = 0;
  bool nesterov = false;
};

class Sgd : public Optimizer {
 public:
  Sgd(std::size_t n_params, const SgdConfig& config);
  using Optimizer::step;
  void step(const Vector& params, const Vector& grads, Real lr, const GradientGate& gate) override;
  std::vector<std::pair<std::string, Vector>> state() override { return {{"momentum", buffer_}}; }

 private:
  SgdConfig config_;
  Vector buffer_;  // momentum buffer [P]
};

}  // namespace tractable
