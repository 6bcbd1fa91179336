#pragma once
// Kokkos aliases used everywhere. Every array lives in the memory space of
// Kokkos::DefaultExecutionSpace, so the same source runs on Serial, OpenMP,
// CUDA or HIP builds of Kokkos; host-side code works on explicit mirrors.
#include <Kokkos_Core.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

namespace tractable {

// The scalar type is chosen at build time: the CLI trains in fp32, the tests
// compile the same sources in fp64 (see CMakeLists.txt).
using Real = TRACTABLE_REAL;

using ExecSpace = Kokkos::DefaultExecutionSpace;
using MemSpace = ExecSpace::memory_space;

// True where kernels run on the CPU cores (Serial, OpenMP, Threads): there a row is a loop, and the
// host BLAS runs the products.
constexpr bool kernels_run_on_host = std::is_same<MemSpace, Kokkos::HostSpace>::value;

// Row-major: one row per example, so a batch shard is a contiguous block.
using Matrix = Kokkos::View<Real**, Kokkos::LayoutRight, MemSpace>;  // [rows, cols]
using Vector = Kokkos::View<Real*, MemSpace>;                         // [n]
using IndexVector = Kokkos::View<int*, MemSpace>;                     // [n]
using HostMatrix = Matrix::HostMirror;
using HostVector = Vector::HostMirror;

using RangePolicy = Kokkos::RangePolicy<ExecSpace>;

// (Re)allocates `m` to [rows, cols] only when its extents differ, so steady-state
// training steps never allocate.
inline void ensure_shape(Matrix& m, std::size_t rows, std::size_t cols, const char* label) {
  if (m.extent(0) != rows || m.extent(1) != cols || !m.data())
    m = Matrix(Kokkos::view_alloc(std::string(label), Kokkos::WithoutInitializing), rows, cols);
}
inline void ensure_shape(Vector& v, std::size_t n, const char* label) {
  if (v.extent(0) != n || !v.data()) v = Vector(Kokkos::view_alloc(std::string(label), Kokkos::WithoutInitializing), n);
}

}  // namespace tractable

namespace tractable {
// Device-callable math (exp, log, tanh, ...) for kernels: Kokkos 3.x keeps it
// in Kokkos::Experimental, Kokkos 4 moved it to Kokkos.
#if KOKKOS_VERSION >= 40000
namespace kmath = Kokkos;
#else
namespace kmath = Kokkos::Experimental;
#endif
}  // namespace tractable
