#pragma once
// Statistics of Markov chains, for MCMC diagnostics: the integrated
// autocorrelation time and a blocked bootstrap of the susceptibility
// χ = Var(O)/D of a scalar observable O (the coordinate sum, see mcmc_evaluation.hpp).
// Host-side: chains are short vectors of one scalar per step.
#include <cstdint>
#include <cstddef>
#include <vector>

namespace tractable {

using Chains = std::vector<std::vector<double>>;  // [chains][steps], all the same length

// τ_int = ½ + Σ_{t=1}^{W} ρ(t), with ρ the autocorrelation averaged over the chains
// (each centred on the mean of all of them) and W the smallest window with
// W ≥ c·τ_int(W) (Sokal's automatic windowing, c = 5). τ_int = ½ for an
// uncorrelated chain; the effective sample size is N / (2 τ_int).
struct AutocorrelationTime {
  double tau_int = 0.5;
  std::size_t window = 0;
};
AutocorrelationTime integrated_autocorrelation_time(const Chains& chains, double c = 5.0);

// χ = (⟨O²⟩ − ⟨O⟩²) / dim over every step of every chain, with the standard
// deviation over `resamples` bootstrap resamples of blocks of `block`
// consecutive steps (blocks longer than the autocorrelation keep the error honest).
struct BootstrapEstimate {
  double value = 0, error = 0;
  std::size_t block = 1;
};
BootstrapEstimate susceptibility_with_bootstrap(const Chains& chains, double dim, std::size_t block,
                                                std::size_t resamples, std::uint64_t seed);

// A block length for the bootstrap from τ_int: ⌈4 τ_int⌉, at least 1.
std::size_t bootstrap_block_length(const AutocorrelationTime& tau);

}  // namespace tractable
