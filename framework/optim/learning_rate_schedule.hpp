#pragma once
// lr(step) for step = 0, 1, …: a linear warm-up from 0 over `warmup_steps`,
// then either constant or a cosine decay to `final_fraction`·base over the
// remaining steps.
#include <cstdint>
#include <string>

namespace tractable {

struct LearningRateSchedule {
  enum class Kind { constant, cosine } kind = Kind::constant;
  double base_lr = 1e-3;
  std::int64_t warmup_steps = 0;
  std::int64_t total_steps = 1;
  double final_fraction = 0;  // cosine only: lr at the last step as a fraction of base_lr

  double at(std::int64_t step) const;
  static Kind parse(const std::string& name);  // "constant" | "cosine"
};

}  // namespace tractable
