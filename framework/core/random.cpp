#include "core/random.hpp"

#include "core/error.hpp"

namespace tractable {

// One row per work item and a loop over its contiguous columns, so the host compiler vectorises
// Box–Muller (libmvec's log and cos, core/vector_math.hpp) instead of calling scalar libm per draw
// (7 % of an IWAE-50 step). Draw i of the block is element i of the row-major matrix either way.
void RandomStream::fill_normal(const Matrix& out, Real mean, Real stddev) {
  fill_normal_at(out, counter_);
  if (mean != Real(0) || stddev != Real(1)) {
    const std::size_t cols = out.extent(1);
    Kokkos::parallel_for(
        "tractable::RandomStream::scale_normal", RangePolicy(0, out.extent(0)), KOKKOS_LAMBDA(const std::size_t r) {
          for (std::size_t c = 0; c < cols; ++c) out(r, c) = mean + stddev * out(r, c);
        });
  }
  counter_ += out.extent(0) * out.extent(1);
}

void RandomStream::fill_normal_at(const Matrix& out, std::uint64_t first_draw) const {
  const std::uint64_t key = key_, cols = out.extent(1);
  require(out.extent(0) <= 1 || out.stride(0) == cols, "RandomStream: rows of the matrix are not contiguous");
  Kokkos::parallel_for(
      "tractable::RandomStream::fill_normal_at", RangePolicy(0, out.extent(0)), KOKKOS_LAMBDA(const std::size_t r) {
        Real* __restrict row = &out(r, 0);  // [cols]
        const std::uint64_t first = first_draw + r * cols;
        for (std::uint64_t c = 0; c < cols; ++c) row[c] = static_cast<Real>(normal_at(key, first + c));
      });
}

void RandomStream::fill_uniform(const Matrix& out, Real low, Real high) {
  const std::uint64_t key = key_, base = counter_, cols = out.extent(1);
  Kokkos::parallel_for(
      "tractable::RandomStream::fill_uniform", RangePolicy(0, out.extent(0) * cols), KOKKOS_LAMBDA(const std::size_t i) {
        out(i / cols, i % cols) = low + (high - low) * static_cast<Real>(uniform_at(key, base + i));
      });
  counter_ += out.extent(0) * cols;
}

}  // namespace tractable
