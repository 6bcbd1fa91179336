#pragma once
// A flow and its parameter store built from a resolved spec, optionally with
// the parameters of a run file's checkpoint: what `run`, `eval` and `sample`
// share.
#include "core/parameter_store.hpp"
#include "io/run_file.hpp"
#include "models/flow.hpp"

#include <nlohmann/json.hpp>

#include <memory>

namespace tractable {

struct FlowSession {
  nlohmann::json spec;
  std::size_t dim = 0;
  ParameterStore store;
  std::unique_ptr<Flow> flow;
};

// Builds, allocates and initialises (seeded by training.seed).
std::unique_ptr<FlowSession> build_flow_session(const nlohmann::json& spec, std::size_t dim,
                                               const Communicator& comm = single_rank());

// Copies checkpoint parameters in after checking the name/offset/shape table
// matches the model the spec builds.
void restore_parameters(ParameterStore& store, const Checkpoint& checkpoint, const std::string& where);

// Spec + checkpoint of a run file -> a ready flow, in evaluation mode.
std::unique_ptr<FlowSession> load_flow_session(const std::string& run_path);

}  // namespace tractable
