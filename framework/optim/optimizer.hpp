#pragma once
// Optimisers update the whole flat parameter buffer in one kernel. Their state
// (moments, step count) is a list of named flat vectors so a checkpoint can
// store and restore it without knowing the optimiser.
#include "core/types.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tractable {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // params -= update(grads) at learning rate lr.
  virtual void step(const Vector& params /*[P]*/, const Vector& grads /*[P]*/, Real lr) = 0;
  // Named state buffers, each [P]; restored by copying into them.
  virtual std::vector<std::pair<std::string, Vector>> state() = 0;
  std::int64_t steps_taken() const { return steps_; }
  void set_steps_taken(std::int64_t s) { steps_ = s; }

 protected:
  std::int64_t steps_ = 0;
};

}  // namespace tractable
