#pragma once
// A bijector maps x -> y in the normalising direction (data towards the base
// distribution) and back, with log|det J| in both directions and an exact
// backward for each, because maximum likelihood differentiates the density
// direction (forward) while reverse KL differentiates the sampling direction
// (inverse).
//
// Contract, for both directions:
//   * outputs are buffers owned by the bijector, valid until its next call in
//     the same direction;
//   * `logdet` [B] is *accumulated* (+=), so a chain sums into one vector;
//   * a backward uses what its own direction's last call cached and must come
//     before the bijector is called again (in either direction); it returns the
//     input gradient and accumulates parameter gradients (+=).
#include "core/fixed_array.hpp"
#include "core/types.hpp"
#include "core/batch_reducer.hpp"

#include <string>
#include <vector>

namespace tractable {

// How many dependent passes a direction needs: one parallel pass, or one pass
// per dimension (autoregressive inverses).
enum class PassCost { parallel, sequential };

class Bijector {
 public:
  virtual ~Bijector() = default;

  // y = f(x); logdet += log|det ∂y/∂x|.
  virtual const Matrix& forward(const Matrix& x /*[B, D]*/, const Vector& logdet /*[B]*/) = 0;
  // dL/dx from dL/dy and dL/dlogdet of the last forward.
  virtual const Matrix& forward_backward(const Matrix& dy /*[B, D]*/, const Vector& dlogdet /*[B]*/) = 0;

  // x = f^{-1}(y); logdet += log|det ∂x/∂y|.
  virtual const Matrix& inverse(const Matrix& y /*[B, D]*/, const Vector& logdet /*[B]*/) = 0;
  // dL/dy from dL/dx and dL/dlogdet of the last inverse.
  virtual const Matrix& inverse_backward(const Matrix& dx /*[B, D]*/, const Vector& dlogdet /*[B]*/) = 0;

  // Data-dependent initialisation (ActNorm): called once before training with
  // this bijector's input for the first global batch, each rank holding its
  // shard; statistics must be summed over `ranks`. Default: nothing to do.
  virtual void initialize_from_data(const Matrix& /*x [B_local, D]*/, const BatchReducer& /*ranks*/) {}

  // Training mode (batch statistics) or evaluation mode (running averages);
  // only BatchNorm distinguishes them. Default: nothing to switch.
  virtual void set_training(bool /*training*/) {}

  // E > 0 for a layer built to condition on a context of E features (couplings and autoregressive layers
  // of a conditional flow); 0 for one that does not read a context.
  virtual std::size_t context_features() const { return 0; }
  // The context of the next call, h [B, E], and where its backward accumulates dL/dh [B, E] (+=).
  virtual void set_context(const Matrix& /*h*/, const Matrix& /*dh*/) {}
  // Why this layer cannot be part of a conditional flow; nullptr when it can (it either conditions on the
  // context or, like a permutation, needs none).
  virtual const char* context_refusal() const { return nullptr; }

  virtual std::size_t dim() const = 0;
  virtual PassCost forward_cost() const { return PassCost::parallel; }
  virtual PassCost inverse_cost() const { return PassCost::parallel; }
  virtual std::string describe() const = 0;

  // Integer arrays fixed at build time that, with the parameters, rebuild this
  // layer: masks, permutations, MADE degrees (stored under /model in run files).
  virtual std::vector<FixedArray> fixed_arrays() const { return {}; }
};

}  // namespace tractable
