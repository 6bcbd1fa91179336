#pragma once
// From a resolved spec to what a run trains: the typed settings of the Trainer
// and of the problems, the data or target (validated, with the place of any
// bad value named), and the Problem itself. The one place a run's spec is read.
#include "data/dataset.hpp"
#include "distributions/targets/target.hpp"
#include "experiment/model_session.hpp"
#include "problems/problem_settings.hpp"
#include "training/problem.hpp"
#include "training/trainer.hpp"

#include <nlohmann/json.hpp>

#include <memory>

namespace tractable {

class Progress;

TrainerSettings trainer_settings(const nlohmann::json& spec);
ProblemSettings problem_settings(const nlohmann::json& spec);

ProblemInputs load_problem_inputs(const nlohmann::json& spec);

// Whether the spec's model can only see data in [0, 1] (a VAE with a Bernoulli decoder).
bool model_needs_unit_interval(const nlohmann::json& spec, std::size_t dim);

std::unique_ptr<Problem> make_problem(const nlohmann::json& spec, ModelSession& session, ProblemInputs inputs,
                                      const Communicator& comm, Progress& progress);

}  // namespace tractable
