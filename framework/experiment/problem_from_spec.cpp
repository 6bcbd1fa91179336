#include "experiment/problem_from_spec.hpp"

#include "core/error.hpp"
#include "data/mnist.hpp"

namespace tractable {

namespace {
// The capability a model declares when it can only see data in [0, 1] (a Bernoulli decoder).
constexpr const char* kUnitInterval = "data:unit_interval";
}  // namespace

void check_model_rows(const RunSpec& spec, const HostMatrix& rows, const std::string& where) {
  check_finite(rows, where);
  if (spec.needs(kUnitInterval)) check_unit_interval(rows, where);
}

ProblemInputs load_problem_inputs(const RunSpec& spec, const Communicator& comm,
                                  const SimulatorFunction* simulator_function, const std::string& simulator_function_name) {
  ProblemInputs in;
  if (spec.target) {
    TargetContext none;
    in.target = spec.target->build(none);
    in.target_name = spec.target->name;
    in.dim = in.target->dim();
    in.data.origin = "target:" + in.target_name;
  } else {
    DataContext context{&comm, simulator_function, simulator_function_name};
    in.data = spec.data->load(context);
    Dataset& data = in.data;
    if (data.train.extent(0) == 0 || data.test.extent(0) == 0)
      throw DataError(data.origin + ": the train and test splits must both be non-empty");
    if (!spec.model.conditional && data.context_dim > 0)
      throw SpecError("model.type: a " + spec.model.family + " cannot be conditioned on a context (" + data.origin +
                      " has " + std::to_string(data.context_dim) + " context columns); use a flow");
    for (const auto& [rows, split] : {std::pair{&data.train, "train"}, {&data.validation, "validation"}, {&data.test, "test"}})
      check_model_rows(spec, *rows, data.origin + " (" + split + " split)");
    in.dim = data.dim();
    in.context_dim = data.context_dim;
  }
  if (in.dim < spec.model.min_dim)
    throw DataError(in.data.origin + ": has " + std::to_string(in.dim) + " column(s); a " + spec.model.family +
                    " needs data with at least " + std::to_string(spec.model.min_dim) + " dimensions");
  return in;
}

std::unique_ptr<Problem> make_problem(const RunSpec& spec, ModelSession& session, ProblemInputs inputs,
                                      const Communicator& comm, Progress& progress) {
  ProblemSettings settings;
  settings.seed = spec.seed;
  settings.global_batch = spec.trainer.global_batch;
  settings.eval_batch = spec.eval_batch;
  settings.n_samples = spec.output.n_samples;
  settings.density_grid = spec.output.density_grid;
  settings.n_data_points = spec.output.n_data_points;
  settings.dynamic_binarization = inputs.data.dynamic_binarization;
  ObjectiveContext context{session.flow.get(), session.vae.get(), inputs, settings, comm, progress};
  return spec.problem(context);
}

}  // namespace tractable
