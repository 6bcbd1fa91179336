#pragma once
// Reference posteriors p(θ | x_o) of the built-in simulators, to judge a
// trained posterior by (C2ST, MMD). Each is exact or checked against one that
// is (tests/unit/test_simulators.cpp):
//   gaussian_linear     closed form, N(x_o/2, 0.05 I)
//   two_moons           a fine grid over the prior box: cells drawn by their mass, uniform within
//   slcp                slice-sampling MCMC on the tractable likelihood from SIR starting points, then the
//                       posterior's exact symmetry θ3 -> −θ3, θ4 -> −θ4 applied at random (the four modes
//                       have equal mass; chains need not cross between them)
//   inverse_kinematics  rejection ABC: prior draws whose end point lies within ε of y_o
#include "sbi/simulators.hpp"

#include <string>

namespace tractable {

struct ReferenceSettings {
  std::size_t grid = 2048;          // two_moons: cells per side
  std::size_t chains = 32;          // MCMC: independent chains
  std::size_t burn_in = 500;        // MCMC: sweeps discarded per chain
  std::size_t thin = 5;             // MCMC: sweeps between kept draws
  std::size_t sir_draws = 100000;   // MCMC: prior draws the starting points are resampled from
  double abc_epsilon = 0.05;        // ABC: accept ‖f(x) − y_o‖ < ε
  std::size_t abc_max_draws = 200000000;
};

struct ReferenceSamples {
  HostMatrix samples;  // [n, D]
  std::string method;  // how they were drawn, with its settings (stored beside them)
};

// n draws of p(θ | x_o), seeded. `mcmc` forces the generic MCMC path (the tests check it on gaussian_linear).
ReferenceSamples reference_posterior(const Simulator& simulator, const double* x_o /*[C]*/, std::size_t n,
                                     std::uint64_t seed, const ReferenceSettings& settings = {}, bool mcmc = false);

// The generic path: slice-sampling MCMC on log prior + log likelihood (simulators with a likelihood).
HostMatrix slice_sampling_posterior(const Simulator& simulator, const double* x_o, std::size_t n, std::uint64_t seed,
                                    const ReferenceSettings& settings);

}  // namespace tractable
