#pragma once
// Every dense product of the framework: KokkosBlas::gemm (the host BLAS, or cuBLAS on a device), with a
// large host product split over the host's threads by the framework itself.
//
// An OpenMP OpenBLAS splits any product above about 0.26 M multiply-adds over all its threads, and
// for the shapes of a training step its split gains little or loses. Measured on two threads (Intel
// Xeon, 2 cores, OpenBLAS 0.3.21 SkylakeX kernels, sgemm, against one thread): the MNIST VAE's
// products gain 0.88–1.55x from OpenBLAS's own split, 1.50–1.96x from two single-threaded calls on
// half the rows of C each; MAF-8D's 512×128×128 1.03–1.12x against 1.63–1.82x; IWAE-50's decoder
// products (1000 rows) 1.29–1.82x against 1.85–2.01x; even 2048³ 1.95x against 2.05x. So a host
// product of at least blas_parallel_multiply_adds (core/blas_library.hpp) runs in one part per
// thread, each part one single-threaded BLAS call on a block of C's rows (the batch) or of its
// columns; a smaller one runs whole on the calling thread (its operands sit in that core's cache:
// docs/explanation/parallelism.md). A part packs its block of one operand and the whole of the other:
// (m/p + n)·k elements by rows, (m + n/p)·k by columns, so C is split along its longer side. By
// columns each core also reads only its block of a weight matrix, which the optimiser's update then
// finds in that core's cache instead of taking it from the other core's (the MNIST VAE's 100×200
// and 200×784 products by columns instead of rows: a training step on two threads 532 to 613 and
// 537 to 599 steps/s, medians of 11 and 9, faster in 19 of 20 rounds; the decoder's 100×784 output
// alone 1.62–1.77x by columns, 1.40–1.51x by rows). Every element of C is one part's, summed over
// the whole of k, but the kernel a part's edge gets may round the last bits differently (as
// OpenBLAS's own split does): a result depends on the thread count in its last bits, never on the run.
#include "core/blas_library.hpp"
#include "core/types.hpp"

#include <KokkosBlas3_gemm.hpp>

#include <algorithm>
#include <type_traits>

namespace tractable {

// C = alpha · op(A) op(B) + beta · C, op = "N" (as is) or "T" (transposed): KokkosBlas::gemm's contract.
template <class A, class B, class C>
void gemm(const char* op_a, const char* op_b, Real alpha, const A& a, const B& b, Real beta, const C& c) {
  if constexpr (kernels_run_on_host && std::is_same<typename A::array_layout, Kokkos::LayoutRight>::value &&
                std::is_same<typename B::array_layout, Kokkos::LayoutRight>::value &&
                std::is_same<typename C::array_layout, Kokkos::LayoutRight>::value) {
    const char ta = op_a[0] == 't' || op_a[0] == 'T' ? 'T' : 'N', tb = op_b[0] == 't' || op_b[0] == 'T' ? 'T' : 'N';
    const std::size_t m = c.extent(0), n = c.extent(1), k = ta == 'N' ? a.extent(1) : a.extent(0);
    const bool by_rows = n <= m;
    const std::size_t extent = by_rows ? m : n;
    const int parts = int(std::min<std::size_t>(blas_parts_for(double(m) * double(n) * double(k)), extent));
    if (parts > 1 && k > 0) {
      const std::size_t lda = a.stride_0(), ldb = b.stride_0(), ldc = c.stride_0();
      const Real* pa = a.data();
      const Real* pb = b.data();
      Real* pc = c.data();
      // direct launch: one BLAS call per host thread, the split this header is about.
      Kokkos::parallel_for(
          "tractable::gemm::parts", Kokkos::RangePolicy<Kokkos::DefaultHostExecutionSpace>(0, parts),
          [&](const int part) {
            const std::size_t begin = extent * part / parts, end = extent * (part + 1) / parts;
            if (by_rows)  // rows [begin, end) of C and of op(A)
              blas_gemm(ta, tb, end - begin, n, k, alpha, pa + (ta == 'N' ? begin * lda : begin), lda, pb, ldb, beta,
                        pc + begin * ldc, ldc);
            else  // columns [begin, end) of C and of op(B)
              blas_gemm(ta, tb, m, end - begin, k, alpha, pa, lda, pb + (tb == 'N' ? begin : begin * ldb), ldb, beta,
                        pc + begin, ldc);
          });
      return;
    }
  }
  KokkosBlas::gemm(op_a, op_b, alpha, a, b, beta, c);
}

}  // namespace tractable
