#include "experiment/run_spec.hpp"

#include "core/error.hpp"
#include "experiment/spec.hpp"

namespace tractable {

using nlohmann::json;

namespace {
TrainerSettings::OnNonFinite read_policy(const SpecSection& training) {
  const std::string policy = training.get<std::string>("on_non_finite");
  return policy == "skip"       ? TrainerSettings::OnNonFinite::skip
         : policy == "rollback" ? TrainerSettings::OnNonFinite::rollback
                                : TrainerSettings::OnNonFinite::stop;
}
}  // namespace

RunSpec read_run_spec(json document) {
  RunSpec r;
  r.document = std::move(document);
  const SpecSection root(r.document, "");
  r.name = root.get<std::string>("name");

  const SpecSection training = root.child("training"), optimizer = root.child("optimizer");
  TrainerSettings& t = r.trainer;
  t.steps = training.get<std::int64_t>("steps");
  t.global_batch = training.get<std::size_t>("batch_size");
  t.log_every = training.get<std::int64_t>("log_every");
  t.eval_every = training.get<std::int64_t>("eval_every");
  t.checkpoint_every = training.get<std::int64_t>("checkpoint_every");
  t.clip_grad_norm = optimizer.get<double>("clip_grad_norm");
  t.reduce_bucket_bytes = training.get<std::size_t>("reduce_bucket_kib") * 1024;
  t.on_non_finite = read_policy(training);
  t.max_skipped_steps = training.get<std::int64_t>("max_skipped_steps");
  t.rollback_lr_factor = training.get<double>("rollback_lr_factor");
  t.early_stopping_patience = training.get<std::int64_t>("early_stopping_patience");
  r.seed = training.get<std::uint64_t>("seed");
  r.eval_batch = training.get<std::size_t>("eval_batch_size");
  r.subnormals = parse_subnormal_mode(training.get<std::string>("subnormals"));

  const SpecSection output = root.child("output");
  r.output = {output.get<std::string>("path"), output.get<std::size_t>("n_samples"),
              output.get<std::size_t>("density_grid"), output.get<std::size_t>("n_data_points")};

  r.optimizer_type = optimizer_registry().type_of(optimizer);
  r.optimizer = optimizer_registry().configure(optimizer);
  r.schedule = schedule_registry().configure(optimizer.child("schedule"));
  r.learning_rate = optimizer.get<double>("lr");

  r.model = model_recipe(root.child("model"));

  const SpecSection objective = root.child("objective");
  r.objective = objective.get<std::string>("type");
  r.problem = objective_registry().configure(objective);
  if (objective.has("eval_importance_samples"))
    r.eval_importance_samples = objective.get<std::size_t>("eval_importance_samples");
  // An objective with a target fits it; every other fits data.
  if (objective.has("target")) {
    const SpecSection target = objective.child("target");
    r.target = TargetSpec{target_registry().configure(target), target.get<std::string>("type")};
  } else {
    const SpecSection data = root.child("data");
    r.data = DataSpec{data_source_registry().configure(data), data.json(), ""};
    if (data.get<std::string>("source") == "simulator") r.data->simulator = data.get<std::string>("simulator");
  }
  for (const auto& selection : selected_types(r.document)) {
    const SpecSection section(*selection.section, selection.path);
    for (const auto& c : selection.compatibility->provides)
      if (c.holds_for(section)) r.provided.insert(c.name);
    for (const auto& c : selection.compatibility->needs)
      if (c.holds_for(section)) r.needed.insert(c.name);
  }
  return r;
}

RunSpec resolve_spec(const json& raw, const std::vector<std::string>& overrides, const std::string& origin) {
  try {
    return read_run_spec(validate_spec_document(raw, overrides));
  } catch (const SpecError& e) {
    throw SpecError(origin + (overrides.empty() ? "" : " (with --set overrides)") + ": " + e.what());
  }
}

RunSpec resolve_spec(const std::string& path, const std::vector<std::string>& overrides) {
  return resolve_spec(read_json_file(path), overrides, path);
}

json resolve_spec_json(const json& raw, const std::vector<std::string>& overrides, const std::string& origin) {
  return resolve_spec(raw, overrides, origin).document;
}

RunSpec resolve_stored_spec(const json& raw, const std::string& origin, std::vector<json::json_pointer>* legacy) {
  return resolve_spec(legacy_stored_spec(raw, legacy), {}, origin);
}

std::unique_ptr<Optimizer> RunSpec::make_optimizer(std::size_t parameters) const {
  OptimizerContext context{parameters};
  return optimizer(context);
}

LearningRateSchedule RunSpec::make_schedule() const {
  ScheduleContext context{learning_rate, trainer.steps};
  return schedule(context);
}

}  // namespace tractable
