#include "flows/batch_norm.hpp"

#include "core/batch_parallel.hpp"
#include "core/column_sums.hpp"
#include "core/error.hpp"

namespace tractable {

BatchNorm::BatchNorm(ParameterStore& store, const std::string& name, std::size_t dim, const BatchReducer& ranks,
                     Real momentum, Real eps)
    : store_(store),
      ranks_(ranks),
      log_gamma_(store.reserve(name + ".log_gamma", {dim}, Initializer::zeros())),
      beta_(store.reserve(name + ".beta", {dim}, Initializer::zeros())),
      running_mean_(store.reserve_buffer(name + ".running_mean", {dim}, Initializer::zeros())),
      running_var_(store.reserve_buffer(name + ".running_var", {dim}, Initializer::constant(1))),
      dim_(dim),
      momentum_(momentum),
      eps_(eps),
      mean_("tractable::BatchNorm::mean", dim),
      var_("tractable::BatchNorm::var", dim),
      sums_("tractable::BatchNorm::sums", 2 * dim + 1) {}

const Matrix& BatchNorm::forward(const Matrix& x, const Vector& logdet) {
  const std::size_t batch = x.extent(0), d = dim_;
  require(x.extent(1) == d, "BatchNorm::forward: input has the wrong number of columns");
  input_ = x;
  const Vector mean = mean_, var = var_, sums = sums_;
  used_batch_statistics_ = training_;
  if (training_) {
    // Global Σx, Σx² and count: one all-reduce, so every rank normalises by the same statistics.
    column_moments(x, sums_);
    ranks_.sum(sums_);
    const Vector rm = store_.buffer_vector(running_mean_), rv = store_.buffer_vector(running_var_);
    const Real m = momentum_;
    for_each_index(
        "tractable::BatchNorm::batch_statistics", d, KOKKOS_LAMBDA(const std::size_t j) {
          const Real n = sums(2 * d);
          mean(j) = sums(j) / n;
          var(j) = sums(d + j) / n - mean(j) * mean(j);
          var(j) = var(j) > Real(0) ? var(j) : Real(0);
          rm(j) = (Real(1) - m) * rm(j) + m * mean(j);
          rv(j) = (Real(1) - m) * rv(j) + m * var(j);
        });
  } else {
    Kokkos::deep_copy(mean_, store_.buffer_vector(running_mean_));
    Kokkos::deep_copy(var_, store_.buffer_vector(running_var_));
  }
  ensure_shape(normalized_, batch, d, "tractable::BatchNorm::normalized");
  ensure_shape(output_, batch, d, "tractable::BatchNorm::output");
  const Vector lg = store_.vector(log_gamma_), b = store_.vector(beta_);
  const Matrix xh = normalized_, y = output_;
  const Real eps = eps_;
  for_each_row_sum("tractable::BatchNorm::forward", batch, d, logdet, true,
                   KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
                     xh(i, j) = (x(i, j) - mean(j)) / kmath::sqrt(var(j) + eps);
                     y(i, j) = xh(i, j) * kmath::exp(lg(j)) + b(j);
                     return lg(j) - Real(0.5) * kmath::log(var(j) + eps);
                   });
  return output_;
}

const Matrix& BatchNorm::forward_backward(const Matrix& dy, const Vector& dlogdet) {
  const std::size_t batch = input_.extent(0), d = dim_;
  require(dy.extent(0) == batch && dy.extent(1) == d, "BatchNorm::forward_backward: dy shape mismatch");
  ensure_shape(input_gradient_, batch, d, "tractable::BatchNorm::input_gradient");
  const Vector lg = store_.vector(log_gamma_), glg = store_.gradient_vector(log_gamma_), gb = store_.gradient_vector(beta_);
  const Vector mean = mean_, var = var_, sums = sums_;
  const Matrix xh = normalized_, dx = input_gradient_;
  const Real eps = eps_;
  // Parameters: local sums (the runner's gradient all-reduce adds the ranks).
  for_each_column_sum("tractable::BatchNorm::parameter_gradients::log_gamma", batch, d, glg, true,
                      KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
                        return dy(i, j) * xh(i, j) * kmath::exp(lg(j)) + dlogdet(i);
                      });
  for_each_column_sum("tractable::BatchNorm::parameter_gradients::beta", batch, d, gb, true,
                      KOKKOS_LAMBDA(std::size_t i, std::size_t j) { return dy(i, j); });
  if (!used_batch_statistics_) {  // running statistics are constants: an elementwise affine map
    for_each_element("tractable::BatchNorm::affine_backward", batch, d, KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
      dx(i, j) = dy(i, j) * kmath::exp(lg(j)) / kmath::sqrt(var(j) + eps);
    });
    return input_gradient_;
  }
  // Through the global batch statistics: with g = dL/dx̂ = dy·γ,
  //   dx = (g − mean(g) − x̂·mean(g·x̂)) / s − x̂ · (Σ dlogdet) / (N s),
  // where the means run over the whole global batch (one more all-reduce).
  const Vector sum_g = Kokkos::subview(sums, std::make_pair(std::size_t(0), d)),
               sum_gx = Kokkos::subview(sums, std::make_pair(d, 2 * d)),
               sum_dlogdet = Kokkos::subview(sums, std::make_pair(2 * d, 2 * d + 1));
  for_each_column_sum("tractable::BatchNorm::backward_sums::g", batch, d, sum_g, false,
                      KOKKOS_LAMBDA(std::size_t i, std::size_t j) { return dy(i, j) * kmath::exp(lg(j)); });
  for_each_column_sum("tractable::BatchNorm::backward_sums::gx", batch, d, sum_gx, false,
                      KOKKOS_LAMBDA(std::size_t i, std::size_t j) { return dy(i, j) * kmath::exp(lg(j)) * xh(i, j); });
  for_each_column_sum("tractable::BatchNorm::backward_sums::dlogdet", batch, 1, sum_dlogdet, false,
                      KOKKOS_LAMBDA(std::size_t i, std::size_t) { return dlogdet(i); });
  ranks_.sum(sums_);
  const Real n = Real(ranks_.sum(double(batch)));
  for_each_element("tractable::BatchNorm::input_gradient", batch, d, KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
        const Real s = kmath::sqrt(var(j) + eps);
        const Real g = dy(i, j) * kmath::exp(lg(j));
        dx(i, j) = (g - sums(j) / n - xh(i, j) * sums(d + j) / n) / s - xh(i, j) * sums(2 * d) / (n * s);
      });
  return input_gradient_;
}

const Matrix& BatchNorm::inverse(const Matrix& y, const Vector& logdet) {
  if (training_)
    throw Error(ExitCode::internal,
                "BatchNorm::inverse: sampling needs evaluation mode (running statistics), not batch statistics");
  const std::size_t batch = y.extent(0), d = dim_;
  require(y.extent(1) == d, "BatchNorm::inverse: input has the wrong number of columns");
  input_ = y;
  Kokkos::deep_copy(mean_, store_.buffer_vector(running_mean_));
  Kokkos::deep_copy(var_, store_.buffer_vector(running_var_));
  ensure_shape(output_, batch, d, "tractable::BatchNorm::output");
  const Vector lg = store_.vector(log_gamma_), b = store_.vector(beta_), mean = mean_, var = var_;
  const Matrix x = output_;
  const Real eps = eps_;
  for_each_row_sum("tractable::BatchNorm::inverse", batch, d, logdet, true,
                   KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
                     x(i, j) = (y(i, j) - b(j)) * kmath::exp(-lg(j)) * kmath::sqrt(var(j) + eps) + mean(j);
                     return -(lg(j) - Real(0.5) * kmath::log(var(j) + eps));
                   });
  return output_;
}

const Matrix& BatchNorm::inverse_backward(const Matrix& dx, const Vector& dlogdet) {
  const std::size_t batch = input_.extent(0), d = dim_;
  require(dx.extent(0) == batch && dx.extent(1) == d, "BatchNorm::inverse_backward: dx shape mismatch");
  ensure_shape(input_gradient_, batch, d, "tractable::BatchNorm::input_gradient");
  const Vector lg = store_.vector(log_gamma_), b = store_.vector(beta_), glg = store_.gradient_vector(log_gamma_),
               gb = store_.gradient_vector(beta_), var = var_;
  const Matrix y = input_, dy = input_gradient_;
  const Real eps = eps_;
  // x = (y − β)·scale + μ: ∂x/∂γ = −(y − β)·scale, ∂x/∂β = −scale; log|det| = −Σ(γ − …).
  for_each_column_sum("tractable::BatchNorm::inverse_backward::beta", batch, d, gb, true,
                      KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
                        const Real scale = kmath::exp(-lg(j)) * kmath::sqrt(var(j) + eps);
                        dy(i, j) = dx(i, j) * scale;
                        return -dx(i, j) * scale;
                      });
  for_each_column_sum("tractable::BatchNorm::inverse_backward::log_gamma", batch, d, glg, true,
                      KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
                        const Real scale = kmath::exp(-lg(j)) * kmath::sqrt(var(j) + eps);
                        return -dx(i, j) * (y(i, j) - b(j)) * scale - dlogdet(i);
                      });
  return input_gradient_;
}

}  // namespace tractable
