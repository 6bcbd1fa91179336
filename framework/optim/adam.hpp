#pragma once
// Adam (Kingma & Ba 2015) with bias correction. Weight decay is decoupled
// (AdamW, Loshchilov & Hutter 2019) by default, or added to the gradient as L2
// (PyTorch's Adam) with decoupled_weight_decay = false.
#include "optim/optimizer.hpp"

namespace tractable {

struct AdamConfig {
  Real beta1 = Real(0.9);
  Real beta2 = Real(0.999);
  Real eps = Real(1e-8);
  Real weight_decay = 0;
  bool decoupled_weight_decay = true;
};

class Adam : public Optimizer {
 public:
  Adam(std::size_t n_params, const AdamConfig& config);
  using Optimizer::step;
  void step(const Vector& params, const Vector& grads, Real lr, const GradientGate& gate) override;
  std::vector<std::pair<std::string, Vector>> state() override { return {{"m", m_}, {"v", v_}}; }

 private:
  AdamConfig config_;
  Vector m_, v_;  // first and second moments [P]
};

}  // namespace tractable
