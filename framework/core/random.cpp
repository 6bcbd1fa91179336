#include "core/random.hpp"
#include "core/batch_parallel.hpp"

#include "core/error.hpp"

namespace tractable {

// Elementwise over the matrix (core/batch_parallel.hpp): on the host a row's contiguous columns are
// one loop, so the compiler vectorises Box–Muller (libmvec's log and cos, core/vector_math.hpp)
// instead of calling scalar libm per draw (7 % of an IWAE-50 step). Draw i of the block is element i
// of the row-major matrix however the work is split.
void RandomStream::fill_normal(const Matrix& out, Real mean, Real stddev) {
  fill_normal_at(out, counter_);
  if (mean != Real(0) || stddev != Real(1)) {
    for_each_element("tractable::RandomStream::scale_normal", out.extent(0), out.extent(1),
                     KOKKOS_LAMBDA(std::size_t r, std::size_t c) { out(r, c) = mean + stddev * out(r, c); });
  }
  counter_ += out.extent(0) * out.extent(1);
}

void RandomStream::fill_normal_at(const Matrix& out, std::uint64_t first_draw) const {
  const std::uint64_t key = key_, cols = out.extent(1);
  require(out.extent(0) <= 1 || out.stride(0) == cols, "RandomStream: rows of the matrix are not contiguous");
  for_each_element("tractable::RandomStream::fill_normal_at", out.extent(0), cols,
                   KOKKOS_LAMBDA(std::size_t r, std::size_t c) {
                     out(r, c) = static_cast<Real>(normal_at(key, first_draw + r * cols + c));
                   });
}

void RandomStream::fill_uniform(const Matrix& out, Real low, Real high) {
  const std::uint64_t key = key_, base = counter_, cols = out.extent(1);
  for_each_element("tractable::RandomStream::fill_uniform", out.extent(0), cols,
                   KOKKOS_LAMBDA(std::size_t r, std::size_t c) {
                     out(r, c) = low + (high - low) * static_cast<Real>(uniform_at(key, base + r * cols + c));
                   });
  counter_ += out.extent(0) * cols;
}

}  // namespace tractable
