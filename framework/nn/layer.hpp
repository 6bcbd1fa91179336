#pragma once
// The layer interface: forward caches what backward needs; backward returns
// the input gradient and *accumulates* (+=) parameter gradients into the
// store's flat gradient buffer. Outputs are buffers owned by the layer and
// reused across steps (no allocation once the batch size is steady); they stay
// valid until the layer's next call in the same direction.
#include "core/types.hpp"

#include <string>

namespace tractable {

class Layer {
 public:
  virtual ~Layer() = default;
  virtual const Matrix& forward(const Matrix& x /*[B, in]*/) = 0;        // -> [B, out]
  virtual const Matrix& backward(const Matrix& dy /*[B, out]*/) = 0;     // -> dx [B, in]
  // dx only, parameter gradients untouched: the vector–Jacobian product that
  // implicit differentiation (autoregressive inverses) needs.
  virtual const Matrix& input_vjp(const Matrix& dy /*[B, out]*/) = 0;    // -> dx [B, in]
  virtual std::size_t in_features() const = 0;
  virtual std::size_t out_features() const = 0;
  virtual std::string describe() const = 0;
};

}  // namespace tractable
