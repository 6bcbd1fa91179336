#pragma once
// Vector variants of the libm functions our elementwise kernels call. glibc's
// libmvec (2.35+) implements expf, logf, log1pf, expm1f, tanhf and their double
// versions (and cos, for Box–Muller) for SSE/AVX/AVX-512 (picked at run time); math.h declares them only
// under -ffast-math, whose other effects (no NaN/Inf semantics) we cannot have:
// the non-finite guards depend on them. Declaring the functions `simd` here lets
// GCC call the vector versions from loops it vectorises, with libm's accuracy
// (libmvec's ulp bounds: docs/results/performance.md). Host GCC on x86-64 only; device
// compilers and clang (the fuzz build) see plain scalar calls.
#include <cmath>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(__CUDA_ARCH__) && !defined(__HIP_DEVICE_COMPILE__) && !defined(__FAST_MATH__)
#define TRACTABLE_HAVE_LIBMVEC 1
extern "C" {
__attribute__((simd("notinbranch"))) float expf(float) noexcept;
__attribute__((simd("notinbranch"))) float logf(float) noexcept;
__attribute__((simd("notinbranch"))) float log1pf(float) noexcept;
__attribute__((simd("notinbranch"))) float expm1f(float) noexcept;
__attribute__((simd("notinbranch"))) float tanhf(float) noexcept;
__attribute__((simd("notinbranch"))) double exp(double) noexcept;
__attribute__((simd("notinbranch"))) double log(double) noexcept;
__attribute__((simd("notinbranch"))) double log1p(double) noexcept;
__attribute__((simd("notinbranch"))) double expm1(double) noexcept;
__attribute__((simd("notinbranch"))) double tanh(double) noexcept;
__attribute__((simd("notinbranch"))) double cos(double) noexcept;
}
#endif
