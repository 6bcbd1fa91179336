#include "distributions/bases/standard_normal.hpp"

#include <cmath>

namespace tractable {

void StandardNormal::log_prob(const Matrix& z, const Vector& out, bool accumulate) {
  const std::size_t dim = z.extent(1);
  const Real log_norm = Real(0.5 * std::log(2 * M_PI)) * Real(dim);
  Kokkos::parallel_for(
      "tractable::StandardNormal::log_prob", RangePolicy(0, z.extent(0)), KOKKOS_LAMBDA(const std::size_t i) {
        Real sq = 0;
        for (std::size_t j = 0; j < dim; ++j) sq += z(i, j) * z(i, j);
        const Real lp = -Real(0.5) * sq - log_norm;
        out(i) = accumulate ? out(i) + lp : lp;
      });
}

void StandardNormal::log_prob_backward(const Matrix& z, const Vector& dlogp, const Matrix& dz) {
  const std::size_t dim = z.extent(1);
  Kokkos::parallel_for(
      "tractable::StandardNormal::log_prob_backward", RangePolicy(0, z.extent(0) * dim),
      KOKKOS_LAMBDA(const std::size_t k) {
        const std::size_t i = k / dim, j = k % dim;
        dz(i, j) = -dlogp(i) * z(i, j);
      });
}

}  // namespace tractable
