#pragma once
// Subnormal (denormal) floats: flushed to zero by default.
//
// Why: VAE and IWAE training drift into subnormal activations and gradients,
// and on x86 every arithmetic instruction that touches one takes a microcode
// assist: a 1000×200·200×784 sgemm with subnormal inputs ran 80× slower on an
// Intel Xeon (96 → 1.2 GFLOP/s), IWAE-50 training 4× slower. Flush-to-zero
// (results that would be subnormal become 0) and denormals-are-zero
// (subnormal inputs read as 0) remove that; nothing a model computes depends on
// values below 1.2e-38 (fp32) or 2.2e-308 (fp64).
//
// The mode is a per-thread CPU register (MXCSR on x86-64, FPCR on AArch64).
// It is set on the main thread before MPI, Kokkos and the BLAS start threads
// (new threads inherit it), and set again on every Kokkos host thread when a
// spec asks for the other mode. What is recorded is what kernels *observe*:
// a labelled Kokkos kernel and a BLAS gemm are probed, because a thread pool
// started elsewhere (a device, a BLAS with its own threads) may differ.
#include <string>

namespace tractable {

enum class SubnormalMode { flush, ieee };

// "flush" | "ieee" (the spec key training.subnormals); anything else throws std::invalid_argument.
SubnormalMode parse_subnormal_mode(const std::string& text);
std::string to_string(SubnormalMode mode);

// Sets the mode on the calling thread only: for start-up, before any other thread exists.
// Returns false where the architecture has no such switch (the mode stays IEEE).
bool set_thread_subnormal_mode(SubnormalMode mode);

// Sets the mode on the calling thread and on every thread of the Kokkos host backend.
void set_subnormal_mode(SubnormalMode mode);

// The calling thread's mode (flush only when both flush-to-zero and denormals-are-zero are set).
SubnormalMode thread_subnormal_mode();

// A mode for the calling thread for the length of a scope, the previous one restored after it:
// the Python module computes as the CLI does without changing the interpreter's arithmetic.
class ScopedSubnormalMode {
 public:
  explicit ScopedSubnormalMode(SubnormalMode mode) : saved_(thread_subnormal_mode()) { set_thread_subnormal_mode(mode); }
  ~ScopedSubnormalMode() { set_thread_subnormal_mode(saved_); }
  ScopedSubnormalMode(const ScopedSubnormalMode&) = delete;
  ScopedSubnormalMode& operator=(const ScopedSubnormalMode&) = delete;

 private:
  SubnormalMode saved_;
};

// What the probes saw: "flush" (FTZ and DAZ both in effect), "ieee" (neither), or
// "ftz-only" / "daz-only". `kernels` runs on Kokkos::DefaultExecutionSpace, `blas`
// through KokkosBlas::gemm (fp32 and fp64 share the CPU's switch).
struct ObservedSubnormalMode {
  std::string kernels;
  std::string blas;
};
ObservedSubnormalMode observe_subnormal_mode();

}  // namespace tractable
