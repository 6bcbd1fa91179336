#pragma once
// gaussian_mixture (sbibm): θ ~ U(−10, 10)², x ~ ½ N(θ, I) + ½ N(θ, 0.01 I);
// the posterior is the same mixture around x, truncated to the box.
#include "sbi/reference_posterior.hpp"
#include "sbi/simulators.hpp"

namespace tractable {

class GaussianMixtureTask : public Simulator {
 public:
  std::string name() const override { return "gaussian_mixture"; }
  std::size_t parameter_dim() const override { return 2; }
  std::size_t observation_dim() const override { return 2; }
  void sample_prior(RandomStream& r, double* theta) const override;
  double log_prior(const double* theta) const override;
  void simulate(RandomStream& r, const double* theta, double* x) const override;
  double log_likelihood(const double* theta, const double* x) const override;
};

// Exact draws: a component by its mass inside the box, then its truncated normal coordinate by coordinate.
ReferenceSampler gaussian_mixture_reference();

}  // namespace tractable
