#include "data/file_loaders.hpp"

#include "core/error.hpp"
#include "data/dataset.hpp"
#include "io/hdf5_file.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

namespace tractable {

namespace {
std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) {
    const auto b = field.find_first_not_of(" \t\r"), e = field.find_last_not_of(" \t\r");
    fields.push_back(b == std::string::npos ? "" : field.substr(b, e - b + 1));
  }
  if (!line.empty() && line.back() == ',') fields.emplace_back();
  return fields;
}

bool parse_number(const std::string& text, double& value) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  value = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size();
}
}  // namespace

HostMatrix load_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw DataError(path + ": cannot open the CSV file (does it exist?)");
  std::vector<double> values;
  std::size_t columns = 0, rows = 0, line_number = 0;
  std::string line;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos || line[0] == '#') continue;
    const auto fields = split_fields(line);
    std::vector<double> row(fields.size());
    bool numeric = true;
    for (std::size_t j = 0; j < fields.size() && numeric; ++j) numeric = parse_number(fields[j], row[j]);
    if (!numeric) {
      if (rows == 0 && columns == 0) {  // the first non-empty line may be a header
        columns = fields.size();
        continue;
      }
      for (std::size_t j = 0; j < fields.size(); ++j)
        if (!parse_number(fields[j], row[j]))
          throw DataError(path + ": line " + std::to_string(line_number) + ", column " + std::to_string(j + 1) +
                          ": '" + fields[j] + "' is not a number");
    }
    if (columns == 0) columns = fields.size();
    if (fields.size() != columns)
      throw DataError(path + ": line " + std::to_string(line_number) + " has " + std::to_string(fields.size()) +
                      " columns, expected " + std::to_string(columns));
    for (std::size_t j = 0; j < row.size(); ++j)
      if (!std::isfinite(row[j]))
        throw DataError(path + ": line " + std::to_string(line_number) + ", column " + std::to_string(j + 1) +
                        " is " + (std::isnan(row[j]) ? "NaN" : "infinite") + "; remove or impute it before training");
    values.insert(values.end(), row.begin(), row.end());
    ++rows;
  }
  if (rows == 0) throw DataError(path + ": the CSV file has no data rows");
  HostMatrix out("tractable::csv", rows, columns);
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < columns; ++j) out(i, j) = static_cast<Real>(values[i * columns + j]);
  return out;
}

HostMatrix load_hdf5_dataset(const std::string& path, const std::string& dataset) {
  const std::string where = path + ":" + dataset;
  std::vector<double> values;
  std::vector<std::uint64_t> dims;
  try {
    Hdf5File file(path, Hdf5File::Mode::read_only);
    if (!file.exists(dataset)) throw DataError(path + ": no dataset '" + dataset + "' in the file");
    values = file.read<double>(dataset, &dims);
  } catch (const IoError& e) {
    throw DataError(e.what());
  }
  if (dims.empty() || dims.size() > 2)
    throw DataError(where + ": expected a 2-D dataset [examples, features] (or 1-D), found rank " +
                    std::to_string(dims.size()));
  const std::size_t rows = dims[0], columns = dims.size() == 2 ? dims[1] : 1;
  if (rows == 0 || columns == 0) throw DataError(where + ": the dataset is empty");
  HostMatrix out("tractable::hdf5_data", rows, columns);
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < columns; ++j) out(i, j) = static_cast<Real>(values[i * columns + j]);
  // Rows are numbered from 0 here, as h5py users index them.
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < columns; ++j)
      if (!std::isfinite(values[i * columns + j]))
        throw DataError(where + ": row " + std::to_string(i) + " (0-based), column " + std::to_string(j) + " is " +
                        (std::isnan(values[i * columns + j]) ? "NaN" : "infinite") +
                        "; remove or impute it before training");
  return out;
}

}  // namespace tractable
