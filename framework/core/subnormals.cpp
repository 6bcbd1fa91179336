#include "core/subnormals.hpp"

#include "core/types.hpp"

#include "core/gemm.hpp"

#include <cmath>
#include <dlfcn.h>
#include <limits>
#include <stdexcept>

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

namespace tractable {

SubnormalMode parse_subnormal_mode(const std::string& text) {
  if (text == "flush") return SubnormalMode::flush;
  if (text == "ieee") return SubnormalMode::ieee;
  throw std::invalid_argument("subnormal mode must be 'flush' or 'ieee', not '" + text + "'");
}

std::string to_string(SubnormalMode mode) { return mode == SubnormalMode::flush ? "flush" : "ieee"; }

SubnormalMode thread_subnormal_mode() {
#if defined(__x86_64__) || defined(__i386__)
  constexpr unsigned both = 0x8000 | 0x0040;
  return (_mm_getcsr() & both) == both ? SubnormalMode::flush : SubnormalMode::ieee;
#elif defined(__aarch64__)
  unsigned long fpcr = 0;
  __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
  return (fpcr & (1ul << 24)) ? SubnormalMode::flush : SubnormalMode::ieee;
#else
  return SubnormalMode::ieee;
#endif
}

bool set_thread_subnormal_mode(SubnormalMode mode) {
#if defined(__x86_64__) || defined(__i386__)
  constexpr unsigned flush_to_zero = 0x8000, denormals_are_zero = 0x0040;  // MXCSR bits 15 and 6
  unsigned csr = _mm_getcsr();
  csr = mode == SubnormalMode::flush ? (csr | flush_to_zero | denormals_are_zero)
                                     : (csr & ~(flush_to_zero | denormals_are_zero));
  _mm_setcsr(csr);
  return true;
#elif defined(__aarch64__)
  constexpr unsigned long flush_to_zero = 1ul << 24;  // FPCR.FZ: subnormal inputs and results read as zero
  unsigned long fpcr = 0;
  __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
  fpcr = mode == SubnormalMode::flush ? (fpcr | flush_to_zero) : (fpcr & ~flush_to_zero);
  __asm__ __volatile__("msr fpcr, %0" : : "r"(fpcr));
  return true;
#else
  (void)mode;
  return false;
#endif
}

void set_subnormal_mode(SubnormalMode mode) {
  set_thread_subnormal_mode(mode);
  // One iteration per host thread under a static schedule, so every thread of an
  // OpenMP or Threads backend sets its own register (Serial: the calling thread again).
  using Host = Kokkos::DefaultHostExecutionSpace;
  const int threads = Host().concurrency();
  // direct launch: it must reach every host thread, which is what the helpers avoid for small work.
  Kokkos::parallel_for(
      "tractable::subnormals::set_on_host_threads",
      Kokkos::RangePolicy<Host, Kokkos::Schedule<Kokkos::Static>>(0, threads),
      [mode](const int) { set_thread_subnormal_mode(mode); });
  Kokkos::fence();
  // A threaded OpenBLAS keeps the register of the thread that started its workers (OPENBLAS_NUM_THREADS
  // or OMP_NUM_THREADS > 1): stop them, and its next parallel call starts them again from this thread,
  // in the new mode. (Its own fork handler does the same; without the symbol there is nothing to do.)
  using Shutdown = int (*)();
  if (auto shutdown = reinterpret_cast<Shutdown>(dlsym(RTLD_DEFAULT, "blas_thread_shutdown_"))) shutdown();
}

namespace {

std::string classify(bool ftz, bool daz) {
  if (ftz && daz) return "flush";
  if (!ftz && !daz) return "ieee";
  return ftz ? "ftz-only" : "daz-only";
}

// 2^(digits-1): multiplies the smallest subnormal up to the smallest normal number.
Real subnormal_to_normal_factor() { return std::ldexp(Real(1), std::numeric_limits<Real>::digits - 1); }

// Values go through views so that no compiler folds the probes at build time;
// they are stored by plain copies, never computed on the host (where the mode applies too).
std::string probe_kernels() {
  Vector values("tractable::subnormals::probe_values", 4);  // [smallest normal, 1/2, smallest subnormal, 2^(digits-1)]
  auto host = Kokkos::create_mirror_view(values);
  host(0) = std::numeric_limits<Real>::min();
  host(1) = Real(0.5);
  host(2) = std::numeric_limits<Real>::denorm_min();
  host(3) = subnormal_to_normal_factor();
  Kokkos::deep_copy(values, host);
  // Enough iterations to reach every thread of a host backend (on a device: every warp of a block).
  const int n = 4 * ExecSpace().concurrency();
  int ftz_seen = 0, daz_seen = 0;
  // direct launch: the probe must run on every thread, however small.
  Kokkos::parallel_reduce(
      "tractable::subnormals::probe_kernels", RangePolicy(0, n),
      KOKKOS_LAMBDA(const int, int& ftz, int& daz) {
        if (values(0) * values(1) == Real(0)) ++ftz;  // a subnormal result flushed
        if (values(2) * values(3) == Real(0)) ++daz;  // a subnormal input read as zero
      },
      ftz_seen, daz_seen);
  if ((ftz_seen != 0 && ftz_seen != n) || (daz_seen != 0 && daz_seen != n)) return "mixed";
  return classify(ftz_seen == n, daz_seen == n);
}

// The BLAS may run its own threads: probe them through the gemm every dense layer uses.
// 256³ is large enough that a threaded BLAS splits it across its workers.
std::string probe_blas() {
  const std::size_t n = 256;
  Matrix a("tractable::subnormals::probe_a", n, n), b("tractable::subnormals::probe_b", n, n),
      c("tractable::subnormals::probe_c", n, n);
  auto host_b = Kokkos::create_mirror_view(b);
  auto all_zero = [&](const Matrix& m, Real a_value, Real b_value) {
    Kokkos::deep_copy(a, a_value);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) host_b(i, j) = b_value;
    Kokkos::deep_copy(b, host_b);
    gemm("N", "N", Real(1), a, b, Real(0), m);
    int nonzero = 0;
    // direct launch: an integer count, once at start-up.
    Kokkos::parallel_reduce(
        "tractable::subnormals::probe_count_nonzero", RangePolicy(0, int(n)),
        KOKKOS_LAMBDA(const int i, int& count) {
          for (std::size_t j = 0; j < n; ++j) count += m(i, j) != Real(0);
        },
        nonzero);
    return nonzero == 0 ? 1 : nonzero == int(n * n) ? 0 : -1;
  };
  // Σ_k min · (1/2n): every product and the sum are subnormal -> 0 under flush-to-zero.
  const int ftz = all_zero(c, std::numeric_limits<Real>::min(), Real(0.5) / Real(n));
  // Σ_k denorm_min · 2^(digits-1) = n · min (normal) -> 0 only when subnormal inputs read as zero.
  const int daz = all_zero(c, std::numeric_limits<Real>::denorm_min(), subnormal_to_normal_factor());
  if (ftz < 0 || daz < 0) return "mixed";
  return classify(ftz == 1, daz == 1);
}

}  // namespace

ObservedSubnormalMode observe_subnormal_mode() { return {probe_kernels(), probe_blas()}; }

}  // namespace tractable
