#pragma once
// two_moons (sbibm): θ ~ U(−1, 1)²; a ~ U(−π/2, π/2), r ~ N(0.1, 0.01²),
// p = (r cos a + 0.25, r sin a); x = p + (−|θ1 + θ2|/√2, (−θ1 + θ2)/√2).
#include "sbi/simulators.hpp"

namespace tractable {

class TwoMoons : public Simulator {
 public:
  std::string name() const override { return "two_moons"; }
  std::size_t parameter_dim() const override { return 2; }
  std::size_t observation_dim() const override { return 2; }
  void sample_prior(RandomStream& r, double* theta) const override;
  double log_prior(const double* theta) const override;
  void simulate(RandomStream& r, const double* theta, double* x) const override;
  // The density of p = x − g(θ): polar coordinates of p − (0.25, 0) with Jacobian 1/r, a uniform on its
  // half circle.
  double log_likelihood(const double* theta, const double* x) const override;
};

}  // namespace tractable
