#include "core/column_sums.hpp"

#include "core/error.hpp"

#include <KokkosBlas3_gemm.hpp>

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
  KokkosBlas::gemm("N", "N", sign, ones(m.extent(0)), m, Real(1), row);
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
