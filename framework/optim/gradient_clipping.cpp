#include "optim/gradient_clipping.hpp"

#include <cmath>

namespace tractable {

double global_norm(const Vector& grads) {
  double sum = 0;
  Kokkos::parallel_reduce(
      "tractable::global_norm", RangePolicy(0, grads.extent(0)),
      KOKKOS_LAMBDA(const std::size_t i, double& acc) { acc += double(grads(i)) * double(grads(i)); }, sum);
  return std::sqrt(sum);
}

double clip_by_global_norm(const Vector& grads, double max_norm) {
  const double norm = global_norm(grads);
  if (max_norm > 0 && norm > max_norm && std::isfinite(norm)) {
    const Real scale = Real(max_norm / (norm + 1e-12));
    Kokkos::parallel_for(
        "tractable::clip_by_global_norm", RangePolicy(0, grads.extent(0)),
        KOKKOS_LAMBDA(const std::size_t i) { grads(i) *= scale; });
  }
  return norm;
}

}  // namespace tractable
