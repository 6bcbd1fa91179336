#include "flows/flow.hpp"

#include "core/batch_parallel.hpp"
#include "core/column_blocks.hpp"
#include "core/error.hpp"
#include "distributions/bases/standard_normal.hpp"

namespace tractable {

Flow::Flow(std::size_t dim, std::vector<std::unique_ptr<Bijector>> chain, std::unique_ptr<BaseDistribution> base,
           std::unique_ptr<ContextEncoder> context)
    : dim_(dim),
      chain_(std::move(chain)),
      base_(base ? std::move(base) : std::make_unique<StandardNormal>()),
      context_(std::move(context)) {
  const std::size_t features = context_ ? context_->features() : 0;
  for (const auto& b : chain_) {
    require(b->dim() == dim, "Flow: bijector " + b->describe() + " has dimension " + std::to_string(b->dim()) +
                                 ", flow has " + std::to_string(dim));
    require(b->context_features() == 0 || b->context_features() == features,
            "Flow: bijector " + b->describe() + " reads " + std::to_string(b->context_features()) +
                " context features, the flow's context has " + std::to_string(features));
  }
}

void Flow::set_context(const Matrix& c) {
  const Matrix& h = context_->forward(c);
  ensure_shape(embedded_gradient_, h.extent(0), h.extent(1), "tractable::Flow::embedded_gradient");
  for (auto& b : chain_)
    if (b->context_features() > 0) b->set_context(h, embedded_gradient_);
}

const Matrix& Flow::split_rows(const Matrix& rows) {
  const std::size_t c = context_dim();
  require(rows.extent(1) == c + dim_,
          "Flow: rows have " + std::to_string(rows.extent(1)) + " columns, the flow takes " +
              (c ? std::to_string(c) + " context + " : std::string()) + std::to_string(dim_));
  if (c == 0) return rows;
  ensure_shape(context_rows_, rows.extent(0), c, "tractable::Flow::context_rows");
  ensure_shape(x_rows_, rows.extent(0), dim_, "tractable::Flow::x_rows");
  copy_columns(rows, 0, context_rows_);
  copy_columns(rows, c, x_rows_);
  return x_rows_;
}

const Matrix& Flow::read_rows(const Matrix& rows) {
  const Matrix& x = split_rows(rows);
  if (context_) set_context(context_rows_);
  return x;
}

const Matrix& Flow::context_backward() {
  context_gradient_ = context_->backward(embedded_gradient_);
  return context_gradient_;
}

void Flow::initialize_from_data(const Matrix& rows, const BatchReducer& ranks) {
  const Matrix& x = split_rows(rows);
  if (context_) {
    context_->initialize_from_data(context_rows_, ranks);  // standardised by this batch before it is read
    set_context(context_rows_);
  }
  ensure_shape(logdet_, x.extent(0), "tractable::Flow::logdet");
  fill_zero(logdet_);
  const Matrix* h = &x;
  for (auto& b : chain_) {
    b->initialize_from_data(*h, ranks);
    h = &b->forward(*h, logdet_);
  }
}

const Vector& Flow::log_prob(const Matrix& rows) {
  const Matrix& x = read_rows(rows);
  const std::size_t batch = x.extent(0);
  ensure_shape(logdet_, batch, "tractable::Flow::logdet");
  ensure_shape(log_prob_, batch, "tractable::Flow::log_prob");
  fill_zero(logdet_);
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
  if (context_) fill_zero(embedded_gradient_);
  // log p = log N(z) + Σ logdet_k, so every layer's logdet receives dlogp.
  const Matrix* g = &base_gradient_;
  for (auto it = chain_.rbegin(); it != chain_.rend(); ++it) g = &(*it)->forward_backward(*g, dlogp);
  if (!context_) return *g;
  ensure_shape(row_gradient_, batch, context_dim() + dim_, "tractable::Flow::row_gradient");
  place_columns(context_backward(), row_gradient_, 0);
  place_columns(*g, row_gradient_, context_dim());
  return row_gradient_;
}

const Matrix& Flow::sample_from_base(const Matrix& z, Vector& log_q, const Matrix& context) {
  require(z.extent(1) == dim_, "Flow::sample_from_base: base sample has the wrong dimension");
  const std::size_t batch = z.extent(0);
  if (context_) {
    require(context.extent(0) == batch && context.extent(1) == context_dim(),
            "Flow::sample_from_base: a conditional flow needs a context of " + std::to_string(context_dim()) +
                " columns per base sample, got [" + std::to_string(context.extent(0)) + ", " +
                std::to_string(context.extent(1)) + "]");
    set_context(context);
  } else {
    require(context.extent(1) == 0, "Flow::sample_from_base: the flow is unconditional, but a context was given");
  }
  ensure_shape(logdet_, batch, "tractable::Flow::logdet");
  ensure_shape(log_q, batch, "tractable::Flow::log_q");
  fill_zero(logdet_);
  base_point_ = z;
  const Matrix* h = &z;
  for (auto it = chain_.rbegin(); it != chain_.rend(); ++it) h = &(*it)->inverse(*h, logdet_);
  // log q(x) = log N(z) − log|det ∂x/∂z|
  base_->log_prob(z, log_q, /*accumulate=*/false);
  const auto ld = logdet_;
  const Vector lq = log_q;
  for_each_index("tractable::Flow::sample_log_q", batch, KOKKOS_LAMBDA(const std::size_t i) { lq(i) -= ld(i); });
  return *h;
}

const Matrix& Flow::sample_backward(const Matrix& dx, const Vector& dlog_q) {
  const std::size_t batch = base_point_.extent(0);
  ensure_shape(dlogdet_, batch, "tractable::Flow::dlogdet");
  const auto dld = dlogdet_;
  for_each_index("tractable::Flow::negate_dlog_q", batch, KOKKOS_LAMBDA(const std::size_t i) { dld(i) = -dlog_q(i); });
  if (context_) fill_zero(embedded_gradient_);
  const Matrix* g = &dx;
  for (auto& b : chain_) g = &b->inverse_backward(*g, dlogdet_);
  if (context_) context_backward();
  // z also enters log q directly through log N(z).
  ensure_shape(base_gradient_, batch, dim_, "tractable::Flow::base_gradient");
  base_->log_prob_backward(base_point_, dlog_q, base_gradient_);
  const Matrix through_chain = *g, total = base_gradient_;
  for_each_element("tractable::Flow::sample_backward_total", batch, dim_,
                   KOKKOS_LAMBDA(const std::size_t i, const std::size_t j) { total(i, j) += through_chain(i, j); });
  return base_gradient_;
}

}  // namespace tractable
