#pragma once
// The optimiser registry (`optimizer.type`) and the learning-rate schedule
// registry (`optimizer.schedule.type`).
#include "optim/learning_rate_schedule.hpp"
#include "optim/optimizer.hpp"
#include "spec/registry.hpp"

#include <cstdint>
#include <memory>

namespace tractable {

struct OptimizerContext {
  std::size_t parameters;  // P
};
using OptimizerRegistry = Registry<std::unique_ptr<Optimizer>, OptimizerContext>;
const OptimizerRegistry& optimizer_registry();

struct ScheduleContext {
  double base_lr;           // optimizer.lr
  std::int64_t total_steps; // training.steps
};
using ScheduleRegistry = Registry<LearningRateSchedule, ScheduleContext>;
const ScheduleRegistry& schedule_registry();

}  // namespace tractable
