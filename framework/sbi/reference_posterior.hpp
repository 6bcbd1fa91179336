#pragma once
// Reference posteriors p(θ | x_o), to judge a trained posterior by (C2ST,
// MMD). Each simulator's registration names how its reference is drawn
// (registry/simulator_types.cpp); the samplers here are the generic ones,
// each checked against an exact reference (tests/unit/test_simulators.cpp):
// a grid over a 2-D prior box, slice-sampling MCMC on a tractable
// likelihood, and rejection ABC for a deterministic simulator.
#include "sbi/simulators.hpp"

#include <functional>
#include <string>
#include <vector>

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

// n draws of p(θ | x_o [C]) for `simulator`, seeded.
using ReferenceSampler = std::function<ReferenceSamples(const Simulator& simulator, const double* x_o, std::size_t n,
                                                        std::uint64_t seed, const ReferenceSettings& settings)>;

// The stream a reference sampler draws from at `seed`.
RandomStream reference_stream(std::uint64_t seed);

// A grid of settings.grid² cells over the prior box [lo, hi]²: cells drawn by their mass, uniform within.
ReferenceSampler grid_reference(double lo, double hi);
// Slice-sampling MCMC on log prior + log likelihood; then, if `symmetric_signs` is not empty, the signs of
// those coordinates drawn at random: an exact symmetry of the posterior that MCMC chains need not cross.
ReferenceSampler slice_sampling_reference(std::vector<std::size_t> symmetric_signs = {});
// Rejection ABC: prior draws whose simulation lies within settings.abc_epsilon of x_o.
ReferenceSampler rejection_abc_reference();

// The MCMC itself: coordinate-wise slice sampling from SIR starting points (simulators with a likelihood).
HostMatrix slice_sampling_posterior(const Simulator& simulator, const double* x_o, std::size_t n, std::uint64_t seed,
                                    const ReferenceSettings& settings);

}  // namespace tractable
