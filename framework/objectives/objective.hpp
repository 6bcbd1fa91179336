#pragma once
// An objective turns this rank's shard of a batch into a loss *sum* and
// accumulates the gradient of scale·sum into the flat gradient buffer. With
// scale = 1/(global batch) and one all-reduce (sum) of the gradients, every
// rank holds the gradient of the global-batch mean, however the batch was
// split.
#include "core/types.hpp"

#include <string>

namespace tractable {

class Objective {
 public:
  virtual ~Objective() = default;
  // Σ over rows of the per-example loss; if scale != 0, grads += scale·∇(Σ).
  virtual double sum_and_backward(const Matrix& batch /*[B_local, D]*/, Real scale) = 0;
  // Σ over rows of the per-example loss, no gradient.
  virtual double sum(const Matrix& batch /*[B_local, D]*/) = 0;
  virtual std::string name() const = 0;
};

}  // namespace tractable
