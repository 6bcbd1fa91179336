#include "experiment/model_session.hpp"

#include "core/error.hpp"
#include "core/subnormals.hpp"
#include "experiment/build_from_spec.hpp"
#include "experiment/spec.hpp"

namespace tractable {

std::unique_ptr<ModelSession> build_model_session(const nlohmann::json& spec, std::size_t dim, const Communicator& comm,
                                                  std::size_t context_dim) {
  auto s = std::make_unique<ModelSession>();
  s->spec = spec;
  s->dim = dim;
  s->context_dim = context_dim;
  // A model computes in the subnormal mode its spec names (specs written before the key existed: flush).
  set_subnormal_mode(parse_subnormal_mode(spec.at("training").value("subnormals", "flush")));
  const std::uint64_t seed = spec.at("training").at("seed");
  if (spec.at("model").at("type") == "vae") {
    require(context_dim == 0, "build_model_session: a VAE has no context (refused with the data)");
    s->vae = build_vae(spec.at("model"), dim, s->store);
    s->description.kind = "vae";
    s->description.dim = dim;
  } else {
    s->flow = build_flow(spec.at("model"), dim, s->store, seed, comm, &s->description, context_dim);
  }
  s->store.allocate();
  RandomStream init(seed, 0, Stream::init);
  s->store.initialize(init);
  return s;
}

std::unique_ptr<ModelSession> load_model_session(const std::string& run_path, bool last_checkpoint) {
  // The stored spec is re-validated: a run file edited or damaged by hand must fail with a named error,
  // not deep inside the model builder (found by fuzzing: tests/fuzz/regressions/fuzz_run_file).
  nlohmann::json spec;
  try {
    spec = resolve_stored_spec(RunFile::read_spec(run_path), run_path + ":/spec");
  } catch (const SpecError& e) {
    throw IoError(std::string(e.what()) + " (the run file's stored spec is not a valid spec)");
  }
  auto session = build_model_session(spec, RunFile::read_data_dim(run_path), single_rank(),
                                     RunFile::read_context_dim(run_path));
  Checkpoint checkpoint;
  const bool best = !last_checkpoint && RunFile::read_best_checkpoint(run_path, checkpoint);
  if (!best) checkpoint = RunFile::read_checkpoint(run_path);
  restore_parameters(session->store, checkpoint, run_path + (best ? ":/checkpoint_best" : ":/checkpoint"));
  session->checkpoint = best ? "best" : "last";
  session->checkpoint_step = checkpoint.step;
  if (session->flow) session->flow->set_training(false);
  return session;
}

Flow& require_flow(ModelSession& session, const std::string& command) {
  if (!session.flow)
    throw UsageError("tractable " + command + ": the run trained a " + session.spec.at("model").at("type").get<std::string>() +
                     ", not a flow; this command needs a flow");
  return *session.flow;
}

}  // namespace tractable
