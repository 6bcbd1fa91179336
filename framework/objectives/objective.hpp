#pragma once
// An objective turns this rank's shard of a batch into a loss *sum* and
// accumulates the gradient of scale·sum into the flat gradient buffer. With
// scale = 1/(global batch) and one all-reduce (sum) of the gradients, every
// rank holds the gradient of the global-batch mean, however the batch was
// split.
#include "core/types.hpp"

#include <cstdint>
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
  // Where the next batch sits in the run: its step and the global index of
  // this rank's first row. Objectives that draw noise per example (VAEs) key
  // it on these, so N ranks draw what one rank would, and resume replays it.
  virtual void set_position(std::int64_t /*step*/, std::size_t /*first_global_row*/) {}
};

}  // namespace tractable
