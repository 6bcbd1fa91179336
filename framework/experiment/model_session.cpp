#include "experiment/model_session.hpp"

#include "core/error.hpp"
#include "core/subnormals.hpp"

namespace tractable {

std::unique_ptr<ModelSession> build_model_session(const RunSpec& spec, std::size_t dim, const Communicator& comm,
                                                  std::size_t context_dim) {
  auto s = std::make_unique<ModelSession>();
  s->spec = spec;
  s->dim = dim;
  s->context_dim = context_dim;
  // A model computes in the subnormal mode its spec names.
  set_subnormal_mode(spec.subnormals);
  ModelContext context{s->store, dim, context_dim, spec.seed, comm};
  BuiltModel built = spec.model.build(context);
  s->flow = std::move(built.flow);
  s->vae = std::move(built.vae);
  s->description = std::move(built.description);
  s->store.allocate();
  RandomStream init(spec.seed, 0, Stream::init);
  s->store.initialize(init);
  return s;
}

RunSpec load_run_spec(const std::string& run_path) {
  // The stored spec is re-validated: a run file edited or damaged by hand must fail with a named error,
  // not deep inside the model builder (found by fuzzing: tests/fuzz/regressions/fuzz_run_file).
  try {
    return resolve_stored_spec(RunFile::read_spec(run_path), run_path + ":/spec");
  } catch (const SpecError& e) {
    throw IoError(std::string(e.what()) + " (the run file's stored spec is not a valid spec)");
  }
}

std::unique_ptr<ModelSession> load_model_session(const std::string& run_path, bool last_checkpoint) {
  const RunSpec spec = load_run_spec(run_path);
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
    throw UsageError("tractable " + command + ": the run trained a " + session.spec.model.family +
                     ", not a flow; this command needs a flow");
  return *session.flow;
}

}  // namespace tractable
