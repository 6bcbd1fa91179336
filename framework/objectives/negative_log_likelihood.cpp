#include "objectives/negative_log_likelihood.hpp"

#include "core/batch_parallel.hpp"

namespace tractable {

double NegativeLogLikelihood::sum(const Matrix& batch) {
  const Vector logp = flow_.log_prob(batch);
  return sum_over("tractable::NegativeLogLikelihood::sum", logp.extent(0),
                  KOKKOS_LAMBDA(const std::size_t i) { return -double(logp(i)); });
}

double NegativeLogLikelihood::sum_and_backward(const Matrix& batch, Real scale) {
  const double total = sum(batch);
  ensure_shape(dlogp_, batch.extent(0), "tractable::NegativeLogLikelihood::dlogp");
  fill(dlogp_, -scale);  // d(scale · Σ −log p)/d log p_i
  flow_.log_prob_backward(dlogp_);
  return total;
}

}  // namespace tractable
