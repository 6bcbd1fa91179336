#pragma once
// Every dense product of the framework: KokkosBlas::gemm (the host BLAS, or cuBLAS on a device),
// with the host BLAS's threads chosen per product by its size.
//
// An OpenMP OpenBLAS splits any product above about 0.26 M multiply-adds over all its threads, and
// a small one gains nothing: its operands sit in the cache of the core that wrote them, and the other
// thread must first fetch them. Measured on two threads (Intel Xeon, 2 cores), with every small
// kernel on the calling thread (core/batch_parallel.hpp): RealNVP-2D's products (at most 2.1 M)
// lose, MAF-8D's 512×128×128 (8.4 M) gain 4 %, the MNIST VAE's 100×200×200 (4 M) and 100×784×200
// (15.7 M) gain. So a product below blas_parallel_multiply_adds runs on one thread.
#include "core/blas_library.hpp"
#include "core/types.hpp"

#include <KokkosBlas3_gemm.hpp>

namespace tractable {

constexpr double blas_parallel_multiply_adds = 3.0e6;

// C = alpha · op(A) op(B) + beta · C, op = "N" (as is) or "T" (transposed): KokkosBlas::gemm's contract.
template <class A, class B, class C>
void gemm(const char* op_a, const char* op_b, Real alpha, const A& a, const B& b, Real beta, const C& c) {
  if constexpr (kernels_run_on_host) {
    const double inner = double(op_a[0] == 'N' || op_a[0] == 'n' ? a.extent(1) : a.extent(0));
    use_blas_threads_for(double(c.extent(0)) * double(c.extent(1)) * inner >= blas_parallel_multiply_adds);
  }
  KokkosBlas::gemm(op_a, op_b, alpha, a, b, beta, c);
}

}  // namespace tractable
