#include "registry/optimizer_types.hpp"

#include "optim/adam.hpp"
#include "optim/sgd.hpp"

namespace tractable {

namespace {
namespace s = schema;
using nlohmann::json;

AdamConfig read_adam(const SpecSection& o) {
  AdamConfig c;
  const auto betas = o.get<std::vector<Real>>("betas");
  c.beta1 = betas[0];
  c.beta2 = betas[1];
  c.eps = o.get<Real>("eps");
  c.weight_decay = o.get<Real>("weight_decay");
  c.decoupled_weight_decay = o.get<bool>("decoupled_weight_decay");
  return c;
}
std::unique_ptr<Optimizer> build_adam(const AdamConfig& c, OptimizerContext& context) {
  return std::make_unique<Adam>(context.parameters, c);
}

SgdConfig read_sgd(const SpecSection& o) {
  SgdConfig c;
  c.momentum = o.get<Real>("momentum");
  c.nesterov = o.get<bool>("nesterov");
  c.weight_decay = o.get<Real>("weight_decay");
  return c;
}
std::unique_ptr<Optimizer> build_sgd(const SgdConfig& c, OptimizerContext& context) {
  return std::make_unique<Sgd>(context.parameters, c);
}

struct ScheduleSettings {
  LearningRateSchedule::Kind kind;
  std::int64_t warmup_steps;
  double final_fraction;
};
ScheduleSettings read_schedule(const SpecSection& schedule) {
  return {LearningRateSchedule::parse(schedule.get<std::string>("type")), schedule.get<std::int64_t>("warmup_steps"),
          schedule.get<double>("final_fraction")};
}
LearningRateSchedule build_schedule(const ScheduleSettings& c, ScheduleContext& context) {
  LearningRateSchedule s;
  s.kind = c.kind;
  s.base_lr = context.base_lr;
  s.warmup_steps = c.warmup_steps;
  s.final_fraction = c.final_fraction;
  s.total_steps = context.total_steps;
  return s;
}
}  // namespace

const OptimizerRegistry& optimizer_registry() {
  static const OptimizerRegistry registry(
      "optimizer.type",
      {register_type("adam",
                     "Adam (Kingma & Ba 2015) with bias correction; weight decay decoupled (AdamW) or added to the "
                     "gradient (PyTorch's Adam)",
                     {{"betas", s::array(s::number(0, 1, false, true), 2, 2), json::array({0.9, 0.999}), "(β1, β2)", false},
                      {"eps", s::number(0, std::nullopt, true), 1e-8, "denominator epsilon", false},
                      {"weight_decay", s::number(0), 0.0, "weight decay", false},
                      {"decoupled_weight_decay", s::boolean(), true, "true: AdamW; false: L2 added to the gradient", false}},
                     &read_adam, &build_adam),
       register_type("sgd", "stochastic gradient descent (PyTorch's momentum convention)",
                     {{"momentum", s::number(0, 1, false, true), 0.0, "momentum coefficient", false},
                      {"nesterov", s::boolean(), false, "Nesterov momentum", false},
                      {"weight_decay", s::number(0), 0.0, "L2 weight decay", false}},
                     &read_sgd, &build_sgd)});
  return registry;
}

const ScheduleRegistry& schedule_registry() {
  static const ScheduleRegistry registry(
      "optimizer.schedule.type",
      {register_type("constant", "the base learning rate after the warm-up", {}, &read_schedule, &build_schedule),
       register_type("cosine", "a cosine decay from the base rate to `final_fraction`·lr at the last step, after the warm-up",
                     {}, &read_schedule, &build_schedule)});
  return registry;
}

}  // namespace tractable
