#include "distributions/bases/standard_normal.hpp"

#include "core/batch_parallel.hpp"

#include <cmath>

namespace tractable {

void StandardNormal::log_prob(const Matrix& z, const Vector& out, bool accumulate) {
  const std::size_t dim = z.extent(1);
  const Real log_norm = Real(0.5 * std::log(2 * M_PI)) * Real(dim);
  for_each_row_reduce(
      "tractable::StandardNormal::log_prob", z.extent(0), dim,
      KOKKOS_LAMBDA(std::size_t i, std::size_t j) { return z(i, j) * z(i, j); },
      KOKKOS_LAMBDA(std::size_t i, Real squares) {
        const Real lp = -Real(0.5) * squares - log_norm;
        out(i) = accumulate ? out(i) + lp : lp;
      });
}

void StandardNormal::log_prob_backward(const Matrix& z, const Vector& dlogp, const Matrix& dz) {
  const std::size_t dim = z.extent(1);
  for_each_element("tractable::StandardNormal::log_prob_backward", z.extent(0), dim,
                   KOKKOS_LAMBDA(std::size_t i, std::size_t j) { dz(i, j) = -dlogp(i) * z(i, j); });
}

}  // namespace tractable
