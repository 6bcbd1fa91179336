#pragma once
// The objective registry (`objective.type`): what a run minimises, each type
// building the Problem the Trainer steps (problems/): maximum likelihood on
// data, reverse KL to a target, the VAE bounds.
#include "flows/flow.hpp"
#include "parallel/communicator.hpp"
#include "problems/problem_settings.hpp"
#include "spec/registry.hpp"
#include "training/problem.hpp"
#include "training/progress.hpp"
#include "vae/latent_variable_model.hpp"

#include <memory>

namespace tractable {

struct ObjectiveContext {
  Flow* flow;                  // the model a session built: a flow ...
  LatentVariableModel* vae;    // ... or a VAE
  ProblemInputs& inputs;       // its data or target (moved into the problem)
  const ProblemSettings& settings;
  const Communicator& comm;
  Progress& progress;
};
using ObjectiveRegistry = Registry<std::unique_ptr<Problem>, ObjectiveContext>;
const ObjectiveRegistry& objective_registry();

// The keys of an objective shared by every type (none today) live in the registry's entries.

}  // namespace tractable
