#pragma once
// A model and its parameter store built from a resolved spec, optionally with
// the parameters of a run file's checkpoint: what `run`, `eval`, `sample` and
// `info` share. Exactly one of `flow` and `vae` is set (the spec's model family).
#include "core/parameter_store.hpp"
#include "experiment/run_spec.hpp"
#include "io/model_description.hpp"
#include "io/run_file.hpp"
#include "parallel/communicator.hpp"
#include "flows/flow.hpp"
#include "vae/vae.hpp"

#include <memory>

namespace tractable {

struct ModelSession {
  RunSpec spec;
  std::size_t dim = 0;          // D
  std::size_t context_dim = 0;  // C: a conditional flow p(x | c) (0: unconditional)
  ParameterStore store;
  std::unique_ptr<Flow> flow;
  std::unique_ptr<LatentVariableModel> vae;  // a VAE of any kind (vae/latent_variable_model.hpp)
  ModelDescription description;              // what /model of a run file says about it
  // Loaded from a run file: which checkpoint ("best": /checkpoint_best, "last": /checkpoint) and its step.
  std::string checkpoint;
  std::int64_t checkpoint_step = 0;
};

// Builds, allocates and initialises (seeded by training.seed); `context_dim` C > 0: a conditional flow p(x | c).
std::unique_ptr<ModelSession> build_model_session(const RunSpec& spec, std::size_t dim,
                                                  const Communicator& comm = single_rank(), std::size_t context_dim = 0);


// A run file's stored spec, resolved; an IoError naming the file when it is not a valid spec.
RunSpec load_run_spec(const std::string& run_path);

// Spec + checkpoint of a run file -> a ready model, in evaluation mode: the
// parameters of /checkpoint_best when the run has one (it had a validation
// split), else, or with `last_checkpoint`, those of /checkpoint.
std::unique_ptr<ModelSession> load_model_session(const std::string& run_path, bool last_checkpoint = false);

// The flow of a session, or a usage error naming `command` when the run trained a VAE.
Flow& require_flow(ModelSession& session, const std::string& command);

}  // namespace tractable
