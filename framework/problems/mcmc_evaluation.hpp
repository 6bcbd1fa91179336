#pragma once
// MCMC with a trained flow, against a baseline sampler, on a reverse-KL run's
// target (objective.mcmc in the spec): an independence Metropolis chain with
// the flow as proposal, and Hamiltonian Monte Carlo using only the target.
// Both measure the same observable, the coordinate sum O = Σ_j x_j, and report
//   acceptance, τ_int of O, and χ = Var(O)/D with a blocked-bootstrap error.
// For a lattice field (phi4) χ is the two-point susceptibility
// χ₂ = Σ_x G_c(x), G_c(x) = (1/V) Σ_y ⟨φ(y) φ(y+x)⟩ − ⟨φ(y)⟩⟨φ(y+x)⟩;
// for a Gaussian target it is 1ᵀΣ1 / D, known in closed form (the tests use it).
#include "io/run_file.hpp"
#include "mcmc/hamiltonian_monte_carlo.hpp"
#include "flows/flow.hpp"

#include <map>
#include <string>

namespace tractable {

struct McmcOptions {
  std::size_t proposals = 0;          // flow proposals = independence-Metropolis steps (0: off)
  std::size_t thermalization = 100;   // its first steps, discarded
  std::size_t bootstrap_resamples = 200;
  std::size_t hmc_chains = 0;         // 0: no HMC baseline
  HmcConfig hmc;
};

struct McmcReport {
  std::map<std::string, double> scalars;  // -> /eval columns: mcmc_flow_*, mcmc_hmc_*
  std::vector<NamedArray> arrays;         // -> /eval/mcmc/*: the observable's traces
};

// Runs on the calling rank alone (the accept/reject pass is sequential); `seed` fixes every draw.
McmcReport evaluate_mcmc(Flow& flow, const Target& target, const McmcOptions& options, std::uint64_t seed,
                         std::size_t batch);

}  // namespace tractable
