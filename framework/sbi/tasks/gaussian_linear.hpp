#pragma once
// gaussian_linear (sbibm): θ ~ N(0, 0.1 I₁₀), x ~ N(θ, 0.1 I₁₀); the posterior
// is N(x/2, 0.05 I) in closed form.
#include "sbi/reference_posterior.hpp"
#include "sbi/simulators.hpp"

namespace tractable {

class GaussianLinear : public Simulator {
 public:
  std::string name() const override { return "gaussian_linear"; }
  std::size_t parameter_dim() const override { return 10; }
  std::size_t observation_dim() const override { return 10; }
  void sample_prior(RandomStream& r, double* theta) const override;
  double log_prior(const double* theta) const override;
  void simulate(RandomStream& r, const double* theta, double* x) const override;
  double log_likelihood(const double* theta, const double* x) const override;
};

// Exact draws of N(x_o/2, 0.05 I).
ReferenceSampler gaussian_linear_reference();

}  // namespace tractable
