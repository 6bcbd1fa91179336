#include "cli/table_io.hpp"

#include "data/file_loaders.hpp"
#include "io/hdf5_file.hpp"

#include <cstdio>

namespace tractable::cli {

HostMatrix load_rows(const std::string& input, std::string& origin) {
  origin = input;
  const auto colon = input.rfind(':');
  if (colon != std::string::npos && colon + 1 < input.size() && input[colon + 1] == '/')
    return load_hdf5_dataset(input.substr(0, colon), input.substr(colon + 1));
  return load_csv(input);
}

void write_arrays(const std::string& out, const std::vector<OutputArray>& arrays,
                  const std::vector<std::pair<std::string, std::string>>& attributes, const Communicator& comm) {
  comm.write_on_root([&] {
    write_hdf5_durably(out, [&](Hdf5File& file) {
      for (const auto& a : arrays) {
        if (a.float32)
          file.write(a.name, std::vector<float>(a.values.begin(), a.values.end()), a.dims);
        else
          file.write(a.name, a.values, a.dims);
      }
      for (const auto& [key, value] : attributes) file.set_attribute(arrays.front().name, key, value);
    });
  });
}

void print_csv(const std::vector<std::string>& header, const std::vector<const OutputArray*>& columns,
               const Communicator& comm) {
  if (!comm.is_root() || columns.empty()) return;
  for (std::size_t h = 0; h < header.size(); ++h) std::printf("%s%s", h ? "," : "", header[h].c_str());
  std::printf("\n");
  const std::size_t rows = columns.front()->dims[0];
  for (std::size_t i = 0; i < rows; ++i) {
    bool first = true;
    for (const OutputArray* c : columns) {
      const std::size_t width = c->dims.size() > 1 ? c->dims[1] : 1;
      for (std::size_t j = 0; j < width; ++j) {
        std::printf("%s%.17g", first ? "" : ",", c->values[i * width + j]);
        first = false;
      }
    }
    std::printf("\n");
  }
}

HostMatrix to_host_matrix(const std::vector<double>& values, std::size_t rows, std::size_t cols) {
  HostMatrix m("tractable::cli::rows", rows, cols);
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j) m(i, j) = Real(values[i * cols + j]);
  return m;
}

std::vector<double> flatten(const HostMatrix& m) {
  std::vector<double> out(m.extent(0) * m.extent(1));
  for (std::size_t i = 0; i < m.extent(0); ++i)
    for (std::size_t j = 0; j < m.extent(1); ++j) out[i * m.extent(1) + j] = m(i, j);
  return out;
}

}  // namespace tractable::cli
