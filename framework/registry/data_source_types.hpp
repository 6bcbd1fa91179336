#pragma once
// The data-source registry (`data.source`): where a run's rows come from —
// toy densities, CSV and HDF5 files, MNIST, IDX images, a registered
// simulator. Each source reads its validated section into typed settings and
// loads a Dataset (train, validation, test; the context columns first).
#include "data/dataset.hpp"
#include "spec/registry.hpp"

namespace tractable {

struct DataContext {};  // a data source needs nothing beyond its settings
using DataSourceRegistration = TypeRegistration<Dataset, DataContext>;
using DataSourceRegistry = Registry<Dataset, DataContext>;
const DataSourceRegistry& data_source_registry();

// The keys every source has (beside `source`): data.seed.
std::vector<SchemaField> common_data_keys();

}  // namespace tractable
