#include "flows/flow.hpp"

#include "core/error.hpp"
#include "distributions/bases/standard_normal.hpp"

namespace tractable {

Flow::Flow(std::size_t dim, std::vector<std::unique_ptr<Bijector>> chain, std::unique_ptr<BaseDistribution> base)
    : dim_(dim), chain_(std::move(chain)), base_(base ? std::move(base) : std::make_unique<StandardNormal>()) {
  for (const auto& b : chain_)
    require(b->dim() == dim, "Flow: bijector " + b->describe() + " has dimension " + std::to_string(b->dim()) +
                                 ", flow has " + std::to_string(dim));
}

void Flow::initialize_from_data(const Matrix& x, const BatchReducer& ranks) {
  ensure_shape(logdet_, x.extent(0), "tractable::Flow::logdet");
  Kokkos::deep_copy(logdet_, Real(0));
  const Matrix* h = &x;
  for (auto& b : chain_) {
    b->initialize_from_data(*h, ranks);
    h = &b->forward(*h, logdet_);
  }
}

const Vector& Flow::log_prob(const Matrix& x) {
  require(x.extent(1) == dim_, "Flow::log_prob: data has " + std::to_string(x.extent(1)) + " columns, flow has " +
                                   std::to_string(dim_));
  const std::size_t batch = x.extent(0);
  ensure_shape(logdet_, batch, "tractable::Flow::logdet");
  ensure_shape(log_prob_, batch, "tractable::Flow::log_prob");
  Kokkos::deep_copy(logdet_, Real(0));
  const Matrix* h = &x;
  for (auto& b : chain_) h = &b->forward(*h, logdet_);
  base_point_ = *h;
  Kokkos::deep_copy(log_prob_, logdet_);
  base_->log_prob(base_point_, log_prob_, /*accumulate=*/true);
  return log_prob_;
}

const Matrix& Flow::log_prob_backward(const Vector& dlogp) {
  const std::size_t batch = base_point_.extent(0);
  require(dlogp.extent(0) == batch, "Flow::log_prob_backward: dlogp has the wrong length");
  ensure_shape(base_gradient_, batch, dim_, "tractable::Flow::base_gradient");
  base_->log_prob_backward(base_point_, dlogp, base_gradient_);
  // log p = log N(z) + Σ logdet_k, so every layer's logdet receives dlogp.
  const Matrix* g = &base_gradient_;
  for (auto it = chain_.rbegin(); it != chain_.rend(); ++it) g = &(*it)->forward_backward(*g, dlogp);
  return *g;
}

const Matrix& Flow::sample_from_base(const Matrix& z, Vector& log_q) {
  require(z.extent(1) == dim_, "Flow::sample_from_base: base sample has the wrong dimension");
  const std::size_t batch = z.extent(0);
  ensure_shape(logdet_, batch, "tractable::Flow::logdet");
  ensure_shape(log_q, batch, "tractable::Flow::log_q");
  Kokkos::deep_copy(logdet_, Real(0));
  base_point_ = z;
  const Matrix* h = &z;
  for (auto it = chain_.rbegin(); it != chain_.rend(); ++it) h = &(*it)->inverse(*h, logdet_);
  // log q(x) = log N(z) − log|det ∂x/∂z|
  base_->log_prob(z, log_q, /*accumulate=*/false);
  const auto ld = logdet_;
  const Vector lq = log_q;
  Kokkos::parallel_for(
      "tractable::Flow::sample_log_q", RangePolicy(0, batch), KOKKOS_LAMBDA(const std::size_t i) { lq(i) -= ld(i); });
  return *h;
}

const Matrix& Flow::sample_backward(const Matrix& dx, const Vector& dlog_q) {
  const std::size_t batch = base_point_.extent(0);
  ensure_shape(dlogdet_, batch, "tractable::Flow::dlogdet");
  const auto dld = dlogdet_;
  Kokkos::parallel_for(
      "tractable::Flow::negate_dlog_q", RangePolicy(0, batch), KOKKOS_LAMBDA(const std::size_t i) {
        dld(i) = -dlog_q(i);
      });
  const Matrix* g = &dx;
  for (auto& b : chain_) g = &b->inverse_backward(*g, dlogdet_);
  // z also enters log q directly through log N(z).
  ensure_shape(base_gradient_, batch, dim_, "tractable::Flow::base_gradient");
  base_->log_prob_backward(base_point_, dlog_q, base_gradient_);
  const Matrix through_chain = *g, total = base_gradient_;
  Kokkos::parallel_for(
      "tractable::Flow::sample_backward_total", RangePolicy(0, batch * dim_), KOKKOS_LAMBDA(const std::size_t k) {
        const std::size_t i = k / total.extent(1), j = k % total.extent(1);
        total(i, j) += through_chain(i, j);
      });
  return base_gradient_;
}

}  // namespace tractable
