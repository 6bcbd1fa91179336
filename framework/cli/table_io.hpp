#pragma once
// Rows in and arrays out for the commands that query a trained model
// (log-prob, encode, decode, sample): INPUT is a CSV file or FILE.h5:/dataset;
// results go to a new HDF5 file, replaced whole, or to standard output as CSV.
#include "core/types.hpp"
#include "parallel/communicator.hpp"

#include <string>
#include <utility>
#include <vector>

namespace tractable::cli {

// "FILE.h5:/dataset" names an HDF5 dataset; anything else is a CSV file. `origin` names it in errors.
HostMatrix load_rows(const std::string& input, std::string& origin);

// One output array: its dataset name, shape [rows] or [rows, cols], and values (row-major).
struct OutputArray {
  std::string name;  // "/log_prob"
  std::vector<std::uint64_t> dims;
  std::vector<double> values;
  bool float32 = false;  // stored as float32 (model outputs), else float64
};

// Rank 0 writes `arrays` (with string attributes on the first) to `out` through an in-memory image,
// replaced whole; every rank learns whether it could (exit 5 everywhere on failure).
void write_arrays(const std::string& out, const std::vector<OutputArray>& arrays,
                  const std::vector<std::pair<std::string, std::string>>& attributes, const Communicator& comm);

// Rank 0 prints a header line and one line per row, 17 significant digits, columns side by side.
void print_csv(const std::vector<std::string>& header, const std::vector<const OutputArray*>& columns,
               const Communicator& comm);

HostMatrix to_host_matrix(const std::vector<double>& values, std::size_t rows, std::size_t cols);
std::vector<double> flatten(const HostMatrix& m);

}  // namespace tractable::cli
