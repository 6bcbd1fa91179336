#pragma once
// From a RunSpec to what a run trains: the data or target (validated, with
// the place of any bad value named) and the Problem itself.
#include "data/dataset.hpp"
#include "experiment/model_session.hpp"
#include "experiment/run_spec.hpp"
#include "problems/problem_settings.hpp"
#include "training/problem.hpp"

#include <memory>

namespace tractable {

class Progress;

// The data the spec names (loaded and checked: finite, in [0, 1] where the model needs it), or its target.
// `simulator_function`: an external_simulator's in-process simulator (the Python module's), or null.
ProblemInputs load_problem_inputs(const RunSpec& spec, const Communicator& comm = single_rank(),
                                  const SimulatorFunction* simulator_function = nullptr,
                                  const std::string& simulator_function_name = "");

// Rows a model of `spec` is given are checked as its training rows were (finite; in [0, 1] where it needs).
void check_model_rows(const RunSpec& spec, const HostMatrix& rows /*[N, D]*/, const std::string& where);

std::unique_ptr<Problem> make_problem(const RunSpec& spec, ModelSession& session, ProblemInputs inputs,
                                      const Communicator& comm, Progress& progress);

}  // namespace tractable
