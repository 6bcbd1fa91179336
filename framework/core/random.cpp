#include "core/random.hpp"

namespace tractable {

void RandomStream::fill_normal(const Matrix& out, Real mean, Real stddev) {
  const std::uint64_t key = key_, base = counter_, cols = out.extent(1);
  Kokkos::parallel_for(
      "tractable::RandomStream::fill_normal", RangePolicy(0, out.extent(0) * cols), KOKKOS_LAMBDA(const std::size_t i) {
        out(i / cols, i % cols) = mean + stddev * static_cast<Real>(normal_at(key, base + i));
      });
  counter_ += out.extent(0) * cols;
}

void RandomStream::fill_normal_at(const Matrix& out, std::uint64_t first_draw) const {
  const std::uint64_t key = key_, cols = out.extent(1);
  Kokkos::parallel_for(
      "tractable::RandomStream::fill_normal_at", RangePolicy(0, out.extent(0) * cols), KOKKOS_LAMBDA(const std::size_t i) {
        out(i / cols, i % cols) = static_cast<Real>(normal_at(key, first_draw + i));
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
