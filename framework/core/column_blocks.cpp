#include "core/column_blocks.hpp"

#include "core/batch_parallel.hpp"

namespace tractable {

void copy_columns(const Matrix& source, std::size_t first, const Matrix& out) {
  const std::size_t n = out.extent(1);
  if (n == 0) return;
  for_each_element("tractable::copy_columns", out.extent(0), n,
                   KOKKOS_LAMBDA(const std::size_t i, const std::size_t j) { out(i, j) = source(i, first + j); });
}

void place_columns(const Matrix& source, const Matrix& out, std::size_t first) {
  const std::size_t n = source.extent(1);
  if (n == 0) return;
  for_each_element("tractable::place_columns", source.extent(0), n,
                   KOKKOS_LAMBDA(const std::size_t i, const std::size_t j) { out(i, first + j) = source(i, j); });
}

void add_columns(const Matrix& source, std::size_t first, const Matrix& out) {
  const std::size_t n = out.extent(1);
  if (n == 0) return;
  for_each_element("tractable::add_columns", out.extent(0), n,
                   KOKKOS_LAMBDA(const std::size_t i, const std::size_t j) { out(i, j) += source(i, first + j); });
}

}  // namespace tractable
