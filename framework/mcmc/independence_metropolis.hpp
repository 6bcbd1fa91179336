#pragma once
// Independence Metropolis with a normalizing flow as the proposal (Albergo,
// Kanwar & Shanahan 2019): proposals x_j ~ q are drawn independently of the
// chain, and the chain moves from x_i to x_j with probability
//   min(1, w_j / w_i),   w = p̃(x) / q(x),
// so it samples p exactly however good q is; q's quality shows in the
// acceptance rate and the autocorrelation. The proposals are drawn and scored
// in parallel beforehand; only this accept/reject pass is sequential.
#include "core/random.hpp"

#include <vector>

namespace tractable {

struct IndependenceChain {
  std::vector<std::size_t> state;  // [N] index of the proposal the chain sits on at step j
  double acceptance = 0;           // accepted moves / (N − 1)
};

// log_weights[j] = log p̃(x_j) − log q(x_j) of the proposals in order; the chain starts on proposal 0.
// Draws one uniform per step from `uniforms`.
IndependenceChain independence_metropolis(const std::vector<double>& log_weights, RandomStream& uniforms);

}  // namespace tractable
