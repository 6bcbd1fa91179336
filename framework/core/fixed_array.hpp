#pragma once
// An integer array fixed when a layer is built (a coupling mask, a permutation,
// MADE degrees and connectivity masks): not a parameter, never trained, but
// needed with the parameters to rebuild the layer. Run files store each one
// under /model (docs/reference/run-file.md, "Rebuilding a flow from its run file").
#include <cstdint>
#include <string>
#include <vector>

namespace tractable {

struct FixedArray {
  std::string name;
  std::vector<std::uint64_t> shape;  // row-major
  std::vector<std::int64_t> values;  // prod(shape) values
};

template <class Int>
FixedArray fixed_vector(const std::string& name, const std::vector<Int>& values) {
  return {name, {values.size()}, std::vector<std::int64_t>(values.begin(), values.end())};
}

// A [rows][cols] 0/1 matrix (a MADE connectivity mask, [out][in]).
inline FixedArray fixed_matrix(const std::string& name, const std::vector<std::vector<int>>& rows) {
  FixedArray a{name, {rows.size(), rows.empty() ? 0 : rows.front().size()}, {}};
  for (const auto& row : rows) a.values.insert(a.values.end(), row.begin(), row.end());
  return a;
}

}  // namespace tractable
