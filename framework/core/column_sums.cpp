#include "core/column_sums.hpp"

#include "core/batch_parallel.hpp"
#include "core/error.hpp"

#include "core/gemm.hpp"

namespace tractable {

namespace {

// [1, n] ones, grown on demand and kept while Kokkos runs (released by a finalize hook, installed again
// if Kokkos is initialised again).
Matrix ones(std::size_t n) {
  static Matrix buffer;
  static bool released_at_finalize = false;
  if (buffer.extent(1) < n) {
    buffer = Matrix(Kokkos::view_alloc(std::string("tractable::column_sums::ones"), Kokkos::WithoutInitializing), 1, n);
    Kokkos::deep_copy(buffer, Real(1));
    if (!released_at_finalize)
      Kokkos::push_finalize_hook([] {
        buffer = Matrix();
        released_at_finalize = false;
      });
    released_at_finalize = true;
  }
  return Kokkos::subview(buffer, Kokkos::ALL, std::make_pair(std::size_t(0), n));
}

}  // namespace

void accumulate_column_sums(const Matrix& m, const Vector& out, Real sign) {
  require(m.extent(1) == out.extent(0), "accumulate_column_sums: shape mismatch");
  // 1ᵀ·m through the BLAS, which streams the row-major batch once; a kernel per column walks it with
  // a stride of N (4 % of an IWAE step). (KokkosKernels 3.4 sends a LayoutRight GEMV to its own
  // kernel, not the BLAS, so this is a [1, B]·[B, N] GEMM.)
  if (m.extent(0) == 0 || m.extent(1) == 0) return;
  const Matrix row(out.data(), 1, out.extent(0));  // [1, N], out's memory
  gemm("N", "N", sign, ones(m.extent(0)), m, Real(1), row);
}

void row_sums(const Matrix& m, const Vector& out, bool accumulate) {
  require(m.extent(0) == out.extent(0), "row_sums: shape mismatch");
  for_each_row_sum("tractable::row_sums", m.extent(0), m.extent(1), out, accumulate,
                   KOKKOS_LAMBDA(std::size_t i, std::size_t j) { return m(i, j); });
}

void column_moments(const Matrix& x, const Vector& out) {
  const std::size_t batch = x.extent(0), dim = x.extent(1);
  require(out.extent(0) == 2 * dim + 1, "column_moments: out must hold 2D + 1 values");
  const Vector first = Kokkos::subview(out, std::make_pair(std::size_t(0), dim));
  const Vector second = Kokkos::subview(out, std::make_pair(dim, 2 * dim));
  for_each_column_sum("tractable::column_moments::first", batch, dim, first, false,
                      KOKKOS_LAMBDA(std::size_t i, std::size_t j) { return x(i, j); });
  for_each_column_sum("tractable::column_moments::second", batch, dim, second, false,
                      KOKKOS_LAMBDA(std::size_t i, std::size_t j) { return x(i, j) * x(i, j); });
  // A kernel, not a deep_copy of a scalar: nothing here waits for the device.
  for_each_index("tractable::column_moments::count", 1, KOKKOS_LAMBDA(std::size_t) { out(2 * dim) = Real(batch); });
}

}  // namespace tractable
