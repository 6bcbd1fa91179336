#pragma once
// The data-source registry (`data.source`): where a run's rows come from —
// toy densities, CSV and HDF5 files, MNIST, IDX images, a registered
// simulator, a simulator program of the user's (data/external_simulator.hpp). Each source reads its validated section into typed settings and
// loads a Dataset (train, validation, test; the context columns first).
#include "parallel/communicator.hpp"
#include "data/external_simulator.hpp"
#include "data/dataset.hpp"
#include "spec/registry.hpp"

namespace tractable {

// What a data source may use beyond its settings: the ranks that load it together (null: one), so that an
// external simulator can share its calls among them.
struct DataContext {
  const Communicator* comm = nullptr;
  // external_simulator without data.command: the caller's in-process simulator (the Python module's).
  const SimulatorFunction* simulator_function = nullptr;
  std::string simulator_function_name;
};
using DataSourceRegistration = TypeRegistration<Dataset, DataContext>;
using DataSourceRegistry = Registry<Dataset, DataContext>;
const DataSourceRegistry& data_source_registry();

// The keys every source has (beside `source`): data.seed.
std::vector<SchemaField> common_data_keys();

}  // namespace tractable
