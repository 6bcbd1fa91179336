#pragma once
// gaussian_linear_uniform (sbibm): θ ~ U(−1, 1)¹⁰, x ~ N(θ, 0.1 I₁₀); the
// posterior is N(x, 0.1 I) truncated to the box, coordinate by coordinate.
#include "sbi/reference_posterior.hpp"
#include "sbi/simulators.hpp"

namespace tractable {

class GaussianLinearUniform : public Simulator {
 public:
  std::string name() const override { return "gaussian_linear_uniform"; }
  std::size_t parameter_dim() const override { return 10; }
  std::size_t observation_dim() const override { return 10; }
  void sample_prior(RandomStream& r, double* theta) const override;
  double log_prior(const double* theta) const override;
  void simulate(RandomStream& r, const double* theta, double* x) const override;
  double log_likelihood(const double* theta, const double* x) const override;
};

// Exact draws of the truncated posterior (inverse CDF of each coordinate's truncated normal).
ReferenceSampler gaussian_linear_uniform_reference();

}  // namespace tractable
