#include "experiment/problem_from_spec.hpp"

#include "registry/decoder_types.hpp"
#include "registry/objective_types.hpp"

#include "core/error.hpp"
#include "data/mnist.hpp"
#include "experiment/build_from_spec.hpp"

namespace tractable {

using nlohmann::json;

TrainerSettings trainer_settings(const json& spec) {
  const json& t = spec.at("training");
  TrainerSettings s;
  s.steps = t.at("steps");
  s.global_batch = t.at("batch_size");
  s.log_every = t.at("log_every");
  s.eval_every = t.at("eval_every");
  s.checkpoint_every = t.at("checkpoint_every");
  s.clip_grad_norm = spec.at("optimizer").at("clip_grad_norm");
  s.reduce_bucket_bytes = t.at("reduce_bucket_kib").get<std::size_t>() * 1024;
  const std::string policy = t.at("on_non_finite");
  s.on_non_finite = policy == "skip"       ? TrainerSettings::OnNonFinite::skip
                    : policy == "rollback" ? TrainerSettings::OnNonFinite::rollback
                                           : TrainerSettings::OnNonFinite::stop;
  s.max_skipped_steps = t.at("max_skipped_steps");
  s.rollback_lr_factor = t.at("rollback_lr_factor");
  s.early_stopping_patience = t.at("early_stopping_patience");
  return s;
}

ProblemSettings problem_settings(const json& spec) {
  const json &t = spec.at("training"), &output = spec.at("output");
  ProblemSettings s;
  s.seed = t.at("seed").get<std::uint64_t>();
  s.global_batch = t.at("batch_size");
  s.eval_batch = t.at("eval_batch_size");
  s.n_samples = output.at("n_samples");
  s.density_grid = output.at("density_grid");
  s.n_data_points = output.at("n_data_points");
  s.dynamic_binarization = spec.at("objective").at("type") != "reverse_kl" && spec.at("data").contains("binarize") &&
                           spec.at("data").at("binarize") == "dynamic";
  return s;
}

bool model_needs_unit_interval(const json& spec, std::size_t dim) {
  if (spec.at("model").at("type") != "vae") return false;
  // The decoder says what data it can model (a Bernoulli: values in [0, 1]).
  ParameterStore unallocated;
  return decoder_factory(SpecSection(spec.at("model").at("decoder"), "model.decoder"))(unallocated, "decoder", dim)
      ->needs_unit_interval();
}

ProblemInputs load_problem_inputs(const json& spec) {
  const json& objective = spec.at("objective");
  const bool is_vae = spec.at("model").at("type") == "vae";
  ProblemInputs in;
  if (objective.at("type") == "reverse_kl") {
    in.target = build_target(objective.at("target"));
    in.target_name = objective.at("target").at("type").get<std::string>();
    in.dim = in.target->dim();
    in.data.origin = "target:" + in.target_name;
  } else {
    in.data = load_dataset(spec.at("data"));
    Dataset& data = in.data;
    if (data.train.extent(0) == 0 || data.test.extent(0) == 0)
      throw DataError(data.origin + ": the train and test splits must both be non-empty");
    if (is_vae && data.context_dim > 0)
      throw SpecError("model.type: a vae cannot be conditioned on a context (" + data.origin + " has " +
                      std::to_string(data.context_dim) + " context columns); use a flow");
    const bool unit_interval = model_needs_unit_interval(spec, data.dim());
    for (const auto& [rows, split] : {std::pair{&data.train, "train"}, {&data.validation, "validation"}, {&data.test, "test"}}) {
      check_finite(*rows, data.origin + " (" + split + " split)");
      if (unit_interval) check_unit_interval(*rows, data.origin + " (" + split + " split)");
    }
    in.dim = data.dim();
    in.context_dim = data.context_dim;
  }
  if (!is_vae && in.dim < 2)
    throw DataError(in.data.origin + ": has " + std::to_string(in.dim) +
                    " column(s); a coupling flow needs data with at least 2 dimensions");
  return in;
}

std::unique_ptr<Problem> make_problem(const json& spec, ModelSession& session, ProblemInputs inputs,
                                      const Communicator& comm, Progress& progress) {
  const ProblemSettings settings = problem_settings(spec);
  ObjectiveContext context{session.flow.get(), session.vae.get(), inputs, settings, comm, progress};
  return objective_registry().configure(SpecSection(spec.at("objective"), "objective"))(context);
}

}  // namespace tractable
