#pragma once
// Which BLAS the dense layers reach, and which kernel it runs on this CPU.
//
// KokkosBlas::gemm on the host calls whatever libblas.so.3 resolves to, and
// a runtime-dispatching BLAS picks its kernel by CPU model: OpenBLAS 0.3.21
// does not know newer models (an Intel Xeon family 6 model 207 got the generic
// Prescott SSE3 kernels, 18–26 instead of 63–117 GFLOP/s on 512³ sgemm) and
// says nothing. So this reads the library's own answer (openblas_get_corename,
// bli_arch_query_id), compares it with the CPU's vector features, and says
// which OPENBLAS_CORETYPE to set when a narrower kernel runs than the CPU has.
#include <cstddef>
#include <string>

namespace tractable {

struct BlasLibrary {
  std::string path;          // the shared object that defines sgemm_ (symlinks resolved)
  std::string name;          // OpenBLAS | BLIS | unknown (reference BLAS or another library)
  std::string version;       // e.g. "0.3.21", "0.9.0"; "" when the library does not say
  std::string kernel;        // OpenBLAS core name or BLIS sub-configuration, e.g. "Haswell", "zen3"
  std::string config;        // openblas_get_config(), when available
  std::string kernel_isa;    // sse | avx | avx2 | avx512 | unknown: the widest vectors the kernel uses
  std::string cpu_model;     // /proc/cpuinfo "model name"
  std::string cpu_family_model;  // "vendor family F model M"
  std::string cpu_isa;       // sse | avx | avx2 | avx512: the widest the CPU offers
  std::string suggested_coretype;  // non-empty when an OpenBLAS kernel narrower than the CPU runs
};

// Reads the library and the CPU once per process.
const BlasLibrary& blas_library();

// The threads the host's large products run on: the budget given below, or what the library says
// (openblas_get_num_threads, bli_thread_get_num_threads); 0 when the library does not say (a
// reference BLAS is single-threaded).
int blas_threads();
// What the library says it runs on now (0 when it does not say).
int blas_threads_in_use();

// The host's products may run on `threads` threads (an OpenMP OpenBLAS beside Kokkos's OpenMP
// threads; set by the runtime at start-up): core/gemm.hpp then splits a large product into that many
// parts, one single-threaded BLAS call each, and the library itself is set to one thread. 0 or 1: no
// split (the library is set to `threads` when it is 1, left alone when 0).
void set_blas_thread_budget(int threads);
// The parts a host product of `multiply_adds` multiply-adds runs in (core/gemm.hpp): the budget for
// one of at least blas_parallel_multiply_adds, 1 for a smaller one or without a budget.
int blas_parts_for(double multiply_adds);
// Measured on two threads (Intel Xeon, 2 cores), whole training steps against 3 M: RealNVP-2D's
// 512×64×64 (2.1 M) products split gain 9 %, MAF-8D's 13 %, IWAE-50's 9 %; 0.3 M did no better than 1 M.
constexpr double blas_parallel_multiply_adds = 1.0e6;

// Row-major C[m, n] = alpha · op(A) op(B) + beta · C with op 'N' (as is) or 'T' (transposed) and row
// strides lda, ldb, ldc, through the xgemm_ of the library that answers sgemm_, on the calling thread:
// one part of a split product.
void blas_gemm(char op_a, char op_b, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
               std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc);
void blas_gemm(char op_a, char op_b, std::size_t m, std::size_t n, std::size_t k, double alpha, const double* a,
               std::size_t lda, const double* b, std::size_t ldb, double beta, double* c, std::size_t ldc);

// The OPENBLAS_CORETYPE that matches a CPU whose widest vector ISA is `cpu_isa`, when the
// OpenBLAS kernel `kernel` is narrower than it; "" when it is not (or the kernel is unknown).
std::string suggested_openblas_coretype(const std::string& kernel, const std::string& cpu_isa, bool amd_cpu);

// One line for stderr when the BLAS runs a kernel narrower than the CPU supports; "" otherwise.
std::string blas_kernel_warning(const BlasLibrary& blas);

// How the library that answers sgemm_ threads (openblas_get_parallel): 0 sequential, 1 pthreads,
// 2 OpenMP; -1 for a BLAS that does not say.
int blas_threading_model();

// One line for stderr when Kokkos runs `kokkos_threads` > 1 host threads beside a pthread OpenBLAS
// (which then keeps one thread: its pool and OpenMP's would take the cores from each other); "" otherwise.
std::string blas_threading_warning(int kokkos_threads);

}  // namespace tractable
