#pragma once
// lotka_volterra (sbibm): θ = (α, β, γ, δ), independent LogNormal with loc
// (−0.125, −3, −0.125, −3) and scale 0.5; dx/dt = αx − βxy, dy/dt = −γy + δxy,
// (x, y)(0) = (30, 1), solved by Boost.Odeint (Dormand–Prince 5(4), dense
// output, absolute tolerance 10⁻⁸, relative 10⁻¹⁰) at t_k = 2.1 k, k = 0..9
// (every 21st point of sbibm's 0.1 grid); observations LogNormal(log clamp(u,
// 10⁻¹⁰, 10⁴), 0.1), the 10 prey values first, then the 10 predator values.
#include "sbi/simulators.hpp"

#include <array>

namespace tractable {

class LotkaVolterra : public Simulator {
 public:
  std::string name() const override { return "lotka_volterra"; }
  std::size_t parameter_dim() const override { return 4; }
  std::size_t observation_dim() const override { return 20; }
  void sample_prior(RandomStream& r, double* theta) const override;
  double log_prior(const double* theta) const override;
  void simulate(RandomStream& r, const double* theta, double* x) const override;
  double log_likelihood(const double* theta, const double* x) const override;

  // The clamped ODE solution u at the observation times: prey [0, 10), predators [10, 20).
  static std::array<double, 20> populations(const double* theta);
};

}  // namespace tractable
