#include "objectives/negative_log_likelihood.hpp"

namespace tractable {

double NegativeLogLikelihood::sum(const Matrix& batch) {
  const Vector logp = flow_.log_prob(batch);
  double total = 0;
  Kokkos::parallel_reduce(
      "tractable::NegativeLogLikelihood::sum", RangePolicy(0, logp.extent(0)),
      KOKKOS_LAMBDA(const std::size_t i, double& acc) { acc -= double(logp(i)); }, total);
  return total;
}

double NegativeLogLikelihood::sum_and_backward(const Matrix& batch, Real scale) {
  const double total = sum(batch);
  ensure_shape(dlogp_, batch.extent(0), "tractable::NegativeLogLikelihood::dlogp");
  Kokkos::deep_copy(dlogp_, -scale);  // d(scale · Σ −log p)/d log p_i
  flow_.log_prob_backward(dlogp_);
  return total;
}

}  // namespace tractable
