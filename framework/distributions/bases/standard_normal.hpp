#pragma once
// The standard normal base distribution N(0, I_D). A learnable diagonal
// Gaussian base is this plus a final elementwise affine bijector (see
// build_flow), which keeps it reparameterised in both directions.
#include "distributions/bases/base_distribution.hpp"

namespace tractable {

class StandardNormal : public BaseDistribution {
 public:
  // log_prob(i) (=|+=) log N(z_i; 0, I) = −½‖z_i‖² − (D/2) log 2π
  void log_prob(const Matrix& z, const Vector& out, bool accumulate) override;
  // dz = dlogp ⊙ ∇_z log N(z) = −dlogp_i · z_i
  void log_prob_backward(const Matrix& z, const Vector& dlogp, const Matrix& dz) override;
  void sample(RandomStream& stream, const Matrix& z) override { stream.fill_normal(z); }
  bool reparameterizable() const override { return true; }
  std::string describe() const override { return "StandardNormal"; }
};

}  // namespace tractable
