#pragma once
// User data from files: CSV (one example per row, optional header) or a 2-D
// numeric HDF5 dataset. Errors name the file, the dataset and the row.
#include "core/types.hpp"

#include <string>

namespace tractable {

HostMatrix load_csv(const std::string& path);                                      // -> [N, D]
HostMatrix load_hdf5_dataset(const std::string& path, const std::string& dataset);  // -> [N, D]

}  // namespace tractable
