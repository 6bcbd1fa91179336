#pragma once
// slcp (sbibm): θ ~ U(−3, 3)⁵; m = (θ1, θ2), s1 = θ3², s2 = θ4², ρ = tanh θ5,
// Σ = [[s1², ρ s1 s2], [ρ s1 s2, s2²]] + 10⁻⁶ I; x = four independent draws of
// N(m, Σ), point-major, [8].
#include "sbi/simulators.hpp"

namespace tractable {

class Slcp : public Simulator {
 public:
  std::string name() const override { return "slcp"; }
  std::size_t parameter_dim() const override { return 5; }
  std::size_t observation_dim() const override { return 8; }
  void sample_prior(RandomStream& r, double* theta) const override;
  double log_prior(const double* theta) const override;
  void simulate(RandomStream& r, const double* theta, double* x) const override;
  double log_likelihood(const double* theta, const double* x) const override;
};

}  // namespace tractable
