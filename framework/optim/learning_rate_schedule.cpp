#include "optim/learning_rate_schedule.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <cmath>

namespace tractable {

double LearningRateSchedule::at(std::int64_t step) const {
  if (warmup_steps > 0 && step < warmup_steps) return base_lr * double(step + 1) / double(warmup_steps);
  if (kind == Kind::constant) return base_lr;
  const std::int64_t decay_steps = std::max<std::int64_t>(1, total_steps - warmup_steps);
  const double progress = std::min(1.0, double(step - warmup_steps) / double(decay_steps));
  const double cosine = 0.5 * (1 + std::cos(M_PI * progress));
  return base_lr * (final_fraction + (1 - final_fraction) * cosine);
}

LearningRateSchedule::Kind LearningRateSchedule::parse(const std::string& name) {
  if (name == "constant") return Kind::constant;
  if (name == "cosine") return Kind::cosine;
  throw SpecError("unknown learning-rate schedule '" + name + "'");
}

}  // namespace tractable
