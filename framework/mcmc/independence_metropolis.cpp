#include "mcmc/independence_metropolis.hpp"

#include "core/error.hpp"

#include <cmath>

namespace tractable {

IndependenceChain independence_metropolis(const std::vector<double>& log_weights, RandomStream& uniforms) {
  require(!log_weights.empty(), "independence_metropolis: no proposals");
  IndependenceChain chain;
  chain.state.reserve(log_weights.size());
  std::size_t current = 0, accepted = 0;
  chain.state.push_back(current);
  for (std::size_t j = 1; j < log_weights.size(); ++j) {
    // A NaN weight (a proposal outside the target's support) is never accepted.
    const double log_ratio = log_weights[j] - log_weights[current];
    if (log_ratio >= 0 || std::log(uniforms.uniform()) < log_ratio) {
      current = j;
      ++accepted;
    }
    chain.state.push_back(current);
  }
  chain.acceptance = log_weights.size() > 1 ? double(accepted) / double(log_weights.size() - 1) : 0.0;
  return chain;
}

}  // namespace tractable
