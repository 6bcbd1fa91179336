#include "core/column_blocks.hpp"

namespace tractable {

void copy_columns(const Matrix& source, std::size_t first, const Matrix& out) {
  const std::size_t n = out.extent(1);
  if (n == 0) return;
  Kokkos::parallel_for(
      "tractable::copy_columns", RangePolicy(0, out.extent(0) * n), KOKKOS_LAMBDA(const std::size_t k) {
        const std::size_t i = k / n, j = k % n;
        out(i, j) = source(i, first + j);
      });
}

void place_columns(const Matrix& source, const Matrix& out, std::size_t first) {
  const std::size_t n = source.extent(1);
  if (n == 0) return;
  Kokkos::parallel_for(
      "tractable::place_columns", RangePolicy(0, source.extent(0) * n), KOKKOS_LAMBDA(const std::size_t k) {
        const std::size_t i = k / n, j = k % n;
        out(i, first + j) = source(i, j);
      });
}

void add_columns(const Matrix& source, std::size_t first, const Matrix& out) {
  const std::size_t n = out.extent(1);
  if (n == 0) return;
  Kokkos::parallel_for(
      "tractable::add_columns", RangePolicy(0, out.extent(0) * n), KOKKOS_LAMBDA(const std::size_t k) {
        const std::size_t i = k / n, j = k % n;
        out(i, j) += source(i, first + j);
      });
}

}  // namespace tractable
