#pragma once
// Hamiltonian Monte Carlo (Duane et al. 1987) on any Target with a gradient:
// the baseline sampler that flow-based independence Metropolis is compared to.
// Independent chains advance together, one row each, so every leapfrog step is
// a batched gradient of the target. Per trajectory: momenta p ~ N(0, I),
// `leapfrog_steps` steps of size ε, accept with min(1, exp(H₀ − H₁)),
// H = −log p̃(x) + ½|p|².
#include "core/random.hpp"
#include "distributions/targets/target.hpp"
#include "mcmc/chain_statistics.hpp"

namespace tractable {

struct HmcConfig {
  std::size_t chains = 16;
  std::size_t trajectories = 1000;    // recorded per chain, after thermalisation
  std::size_t thermalization = 200;   // trajectories per chain discarded first
  std::size_t leapfrog_steps = 10;
  double step_size = 0.1;
};

struct HmcResult {
  Chains coordinate_sum;  // [chains][trajectories] Σ_j x_j after each recorded trajectory
  double acceptance = 0;  // over the recorded trajectories
};

// Chains start from N(0, I) draws of `stream`, which also supplies momenta and uniforms.
HmcResult hamiltonian_monte_carlo(const Target& target, const HmcConfig& config, RandomStream& stream);

}  // namespace tractable
