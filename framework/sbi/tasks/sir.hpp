#pragma once
// sir (sbibm): θ = (β, γ) ~ LogNormal(log 0.4, 0.5) × LogNormal(log 1/8, 0.2);
// the SIR model dS/dt = −β S I/N, dI/dt = β S I/N − γ I, dR/dt = γ I with
// N = 10⁶, (S, I, R)(0) = (N − 1, 1, 0), solved by Boost.Odeint (Dormand–Prince
// 5(4), dense output, absolute tolerance 10⁻⁸, relative 10⁻¹⁰); x_k ~
// Binomial(1000, I(t_k)/N) at t_k = 17 k, k = 0..9. The likelihood is the
// binomials' (the ODE is deterministic).
#include "sbi/simulators.hpp"

#include <array>

namespace tractable {

class Sir : public Simulator {
 public:
  std::string name() const override { return "sir"; }
  std::size_t parameter_dim() const override { return 2; }
  std::size_t observation_dim() const override { return 10; }
  void sample_prior(RandomStream& r, double* theta) const override;
  double log_prior(const double* theta) const override;
  void simulate(RandomStream& r, const double* theta, double* x) const override;
  double log_likelihood(const double* theta, const double* x) const override;

  // I(t_k)/N at the 10 observation times.
  static std::array<double, 10> infected_fraction(const double* theta);
};

}  // namespace tractable
