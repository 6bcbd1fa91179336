#include "core/column_sums.hpp"

#include "core/error.hpp"

namespace tractable {

void accumulate_column_sums(const Matrix& m, const Vector& out, Real sign) {
  require(m.extent(1) == out.extent(0), "accumulate_column_sums: shape mismatch");
  const std::size_t rows = m.extent(0);
  Kokkos::parallel_for(
      "tractable::accumulate_column_sums", RangePolicy(0, out.extent(0)), KOKKOS_LAMBDA(const std::size_t j) {
        Real sum = 0;
        for (std::size_t i = 0; i < rows; ++i) sum += m(i, j);
        out(j) += sign * sum;
      });
}

void row_sums(const Matrix& m, const Vector& out, bool accumulate) {
  require(m.extent(0) == out.extent(0), "row_sums: shape mismatch");
  const std::size_t cols = m.extent(1);
  Kokkos::parallel_for(
      "tractable::row_sums", RangePolicy(0, out.extent(0)), KOKKOS_LAMBDA(const std::size_t i) {
        Real sum = 0;
        for (std::size_t j = 0; j < cols; ++j) sum += m(i, j);
        out(i) = accumulate ? out(i) + sum : sum;
      });
}

void column_moments(const Matrix& x, const Vector& out) {
  const std::size_t batch = x.extent(0), dim = x.extent(1);
  Kokkos::parallel_for(
      "tractable::column_moments", RangePolicy(0, dim), KOKKOS_LAMBDA(const std::size_t j) {
        Real s1 = 0, s2 = 0;
        for (std::size_t i = 0; i < batch; ++i) {
          s1 += x(i, j);
          s2 += x(i, j) * x(i, j);
        }
        out(j) = s1;
        out(dim + j) = s2;
        if (j == 0) out(2 * dim) = Real(batch);
      });
}

}  // namespace tractable
