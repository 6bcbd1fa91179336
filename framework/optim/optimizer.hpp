#pragma once
// Optimisers update the whole flat parameter buffer in one kernel. Their state
// (moments, step count) is a list of named flat vectors so a checkpoint can
// store and restore it without knowing the optimiser.
#include "core/types.hpp"
#include "optim/gradient_clipping.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tractable {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // params -= update(gate.scale() · grads) at learning rate lr; nothing changes, on the device, when
  // the gate is closed (a non-finite gradient norm). The step is counted either way: the caller, once
  // it has read the norm, calls forget_last_step() for a closed gate.
  virtual void step(const Vector& params /*[P]*/, const Vector& grads /*[P]*/, Real lr, const GradientGate& gate) = 0;
  // The same without clipping, always applied (outside the training loop: an amortisation loop calls it
  // every step, so its always-open gate is allocated once, not a device scalar per call).
  void step(const Vector& params /*[P]*/, const Vector& grads /*[P]*/, Real lr) {
    if (!always_open_.squared_norm.data()) always_open_ = open_gate();
    step(params, grads, lr, always_open_);
  }
  // Named state buffers, each [P]; restored by copying into them.
  virtual std::vector<std::pair<std::string, Vector>> state() = 0;
  std::int64_t steps_taken() const { return steps_; }
  void set_steps_taken(std::int64_t s) { steps_ = s; }
  void forget_last_step() { --steps_; }

 protected:
  std::int64_t steps_ = 0;

 private:
  GradientGate always_open_;  // allocated on the first unclipped step
};

}  // namespace tractable
