#include "flows/autoregressive.hpp"

#include "core/column_blocks.hpp"
#include "core/batch_parallel.hpp"
#include "core/error.hpp"
#include "flows/affine_transform.hpp"
#include "flows/rational_quadratic_spline.hpp"

namespace tractable {

namespace {
MlpShape made_io(MlpShape shape, std::size_t dim, int parameters, std::size_t context_features) {
  shape.in = dim + context_features;
  shape.out = std::size_t(parameters) * dim;
  shape.zero_output = true;  // θ = 0: every transform starts as the identity
  return shape;
}
}  // namespace

template <class Transform>
Autoregressive<Transform>::Autoregressive(ParameterStore& store, const std::string& name, std::size_t dim,
                                          const MlpShape& made_shape, const Transform& transform,
                                          DensityMap density_map, InputOrder order, std::uint64_t order_seed,
                                          std::size_t context_features)
    : dim_(dim),
      context_features_(context_features),
      transform_(transform),
      density_inverted_(density_map == DensityMap::inverse_transform),
      made_(store, name + ".made", made_io(made_shape, dim, transform.parameters(), context_features), [&] {
        connectivity_ = made_connectivity(dim, made_shape.hidden, made_shape.depth,
                                          std::size_t(transform.parameters()), order, order_seed, context_features);
        return connectivity_.masks;
      }()) {}

template <class Transform>
const Matrix& Autoregressive<Transform>::made_forward(const Matrix& x) {
  if (context_features_ == 0) return made_.forward(x);
  require(context_.extent(0) == x.extent(0) && context_.extent(1) == context_features_,
          "autoregressive layer: the context has " + std::to_string(context_.extent(1)) + " features for " +
              std::to_string(context_.extent(0)) + " rows, expected " + std::to_string(context_features_) + " for " +
              std::to_string(x.extent(0)));
  ensure_shape(made_input_, x.extent(0), dim_ + context_features_, "tractable::Autoregressive::made_input");
  place_columns(x, made_input_, 0);
  place_columns(context_, made_input_, dim_);
  return made_.forward(made_input_);
}

template <class Transform>
void Autoregressive<Transform>::accumulate_context_gradient(const Matrix& made_input_gradient) {
  if (context_features_ > 0) add_columns(made_input_gradient, dim_, context_gradient_);
}

template <class Transform>
std::string Autoregressive<Transform>::describe() const {
  std::string order;
  for (std::size_t j = 0; j < dim_; ++j) order += (j ? " " : "") + std::to_string(connectivity_.input_degrees[j]);
  return "Autoregressive(" + transform_.describe() + (density_inverted_ ? ", density applies f^-1" : "") +
         (context_features_ ? ", context=" + std::to_string(context_features_) : std::string()) +
         ", degrees=" + order + ", made=" + made_.describe() + ")";
}

template <class Transform>
template <bool DensityInverted>
void Autoregressive<Transform>::seed_parameters(const Matrix& alpha, Real alpha_scale, const Vector& beta,
                                                Real beta_scale, const Matrix& direct) {
  const std::size_t batch = x_.extent(0), dim = dim_;
  ensure_shape(dtheta_, batch, raw_.extent(1), "tractable::Autoregressive::dtheta");
  fill_zero(dtheta_);
  const Matrix x = x_, u = u_, raw = raw_, dtheta = dtheta_;
  const bool has_alpha = alpha.data() != nullptr, has_direct = direct.data() != nullptr;
  const Oriented<Transform, DensityInverted> h{transform_};
  for_each_element("tractable::Autoregressive::seed_parameters", batch, dim,
                   KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
                     const Real a = has_alpha ? alpha_scale * alpha(i, j) : Real(0);
                     const Real d = h.vjp(TransformParameters{raw, i, j, dim}, x(i, j), u(i, j), a,
                                          beta_scale * beta(i), TransformParameterGradient{dtheta, i, j, dim});
                     if (has_direct) direct(i, j) = d;
                   });
  prepare_parameters_backward(transform_, raw_, dtheta_, dim);  // every caller passes dtheta_ on to the MADE
}

// ---- forward (density direction): one parallel pass ------------------------

template <class Transform>
const Matrix& Autoregressive<Transform>::forward(const Matrix& x, const Vector& logdet) {
  return density_inverted_ ? density<true>(x, logdet) : density<false>(x, logdet);
}
template <class Transform>
const Matrix& Autoregressive<Transform>::forward_backward(const Matrix& du, const Vector& dlogdet) {
  return density_inverted_ ? density_backward<true>(du, dlogdet) : density_backward<false>(du, dlogdet);
}
template <class Transform>
const Matrix& Autoregressive<Transform>::inverse(const Matrix& u, const Vector& logdet) {
  return density_inverted_ ? sample<true>(u, logdet) : sample<false>(u, logdet);
}
template <class Transform>
const Matrix& Autoregressive<Transform>::inverse_backward(const Matrix& dx, const Vector& dlogdet) {
  return density_inverted_ ? sample_backward<true>(dx, dlogdet) : sample_backward<false>(dx, dlogdet);
}

template <class Transform>
template <bool DensityInverted>
const Matrix& Autoregressive<Transform>::density(const Matrix& x, const Vector& logdet) {
  const std::size_t batch = x.extent(0), dim = dim_;
  require(x.extent(1) == dim, "autoregressive layer: input has " + std::to_string(x.extent(1)) +
                                  " columns, expected " + std::to_string(dim));
  raw_ = prepare_parameters(transform_, made_forward(x), prepared_, dim);
  ensure_shape(output_, batch, dim, "tractable::Autoregressive::output");
  x_ = x;
  u_ = output_;
  const Matrix u = output_, raw = raw_;
  const Oriented<Transform, DensityInverted> h{transform_};
  for_each_row_sum("tractable::Autoregressive::forward", batch, dim, logdet, true,
                   KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
                     Real b = 0;
                     const Real log_derivative = h.apply(TransformParameters{raw, i, j, dim}, x(i, j), b);
                     u(i, j) = b;
                     return log_derivative;
                   });
  return output_;
}

template <class Transform>
template <bool DensityInverted>
const Matrix& Autoregressive<Transform>::density_backward(const Matrix& du, const Vector& dlogdet) {
  const std::size_t batch = x_.extent(0), dim = dim_;
  require(du.extent(0) == batch && du.extent(1) == dim, "autoregressive layer: forward_backward shape mismatch");
  ensure_shape(direct_, batch, dim, "tractable::Autoregressive::direct");
  ensure_shape(input_gradient_, batch, dim, "tractable::Autoregressive::input_gradient");
  seed_parameters<DensityInverted>(du, Real(1), dlogdet, Real(1), direct_);
  const Matrix through_made = made_.backward(dtheta_);  // [B, D + E]
  accumulate_context_gradient(through_made);
  const Matrix direct = direct_, dx = input_gradient_;
  for_each_element("tractable::Autoregressive::forward_backward", batch, dim,
                   KOKKOS_LAMBDA(std::size_t i, std::size_t j) { dx(i, j) = direct(i, j) + through_made(i, j); });
  return input_gradient_;
}

// ---- inverse (sampling direction): D sequential passes ---------------------

template <class Transform>
template <bool DensityInverted>
const Matrix& Autoregressive<Transform>::sample(const Matrix& u, const Vector& logdet) {
  const std::size_t batch = u.extent(0), dim = dim_;
  require(u.extent(1) == dim, "autoregressive layer: input has " + std::to_string(u.extent(1)) +
                                  " columns, expected " + std::to_string(dim));
  ensure_shape(output_, batch, dim, "tractable::Autoregressive::output");
  const Matrix x = output_;
  fill_zero(x);
  const Oriented<Transform, DensityInverted> h{transform_};
  const Oriented<Transform, !DensityInverted> h_inverse{transform_};
  // After pass p every coordinate of degree <= p is exact; D passes finish.
  for (std::size_t pass = 0; pass < dim; ++pass) {
    const Matrix raw = prepare_parameters(transform_, made_forward(x), prepared_, dim);
    for_each_element("tractable::Autoregressive::inverse_pass", batch, dim,
                     KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
                       Real b = 0;
                       h_inverse.apply(TransformParameters{raw, i, j, dim}, u(i, j), b);
                       x(i, j) = b;
                     });
  }
  raw_ = prepare_parameters(transform_, made_forward(x), prepared_, dim);  // θ at the solution, for the backward
  x_ = output_;
  u_ = u;
  const Matrix raw = raw_;
  for_each_row_sum("tractable::Autoregressive::inverse_logdet", batch, dim, logdet, true,
                   KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
                     Real b = 0;
                     return -h.apply(TransformParameters{raw, i, j, dim}, x(i, j), b);  // log (h^{-1})' = −log h'
                   });
  return output_;
}

template <class Transform>
template <bool DensityInverted>
const Matrix& Autoregressive<Transform>::sample_backward(const Matrix& dx, const Vector& dlogdet) {
  const std::size_t batch = x_.extent(0), dim = dim_;
  require(dx.extent(0) == batch && dx.extent(1) == dim, "autoregressive layer: inverse_backward shape mismatch");
  ensure_shape(direct_, batch, dim, "tractable::Autoregressive::direct");
  ensure_shape(v_, batch, dim, "tractable::Autoregressive::v");
  ensure_shape(w_, batch, dim, "tractable::Autoregressive::w");
  ensure_shape(slope_, batch, dim, "tractable::Autoregressive::slope");
  if (zeros_.extent(0) != batch) zeros_ = Vector("tractable::Autoregressive::zeros", batch);
  const Matrix x = x_, u = u_, raw = raw_, direct = direct_, v = v_, w = w_, slope = slope_;
  const Oriented<Transform, DensityInverted> h{transform_};
  const Matrix none;

  // v = dL/dx + dL/dlogdet·∂logdet/∂x, the total derivative, with logdet = −Σ log h'(x_j; θ_j(x)).
  seed_parameters<DensityInverted>(none, Real(0), dlogdet, Real(-1), direct_);
  {
    const Matrix through_theta = made_.input_vjp(dtheta_);
    for_each_element("tractable::Autoregressive::total_dx", batch, dim, KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
      v(i, j) = dx(i, j) + direct(i, j) + through_theta(i, j);
      slope(i, j) = h.slope(TransformParameters{raw, i, j, dim}, x(i, j), u(i, j));  // h', reused by every sweep
      w(i, j) = v(i, j) / slope(i, j);
    });
  }
  // Solve J^T w = v with J^T w = h' ⊙ w + VJP(dθ_j = w_j ∂h/∂θ_j): the VJP term
  // of coordinate d involves only later coordinates, so D sweeps are exact.
  for (std::size_t sweep = 0; sweep < dim; ++sweep) {
    seed_parameters<DensityInverted>(w_, Real(1), zeros_, Real(0), none);
    const Matrix r = made_.input_vjp(dtheta_);
    for_each_element("tractable::Autoregressive::sweep", batch, dim,
                     KOKKOS_LAMBDA(std::size_t i, std::size_t j) { w(i, j) = (v(i, j) - r(i, j)) / slope(i, j); });
  }
  // Parameters: dL/dθ = −w^T ∂h/∂θ − dL/dlogdet · ∂Σ log h'/∂θ.
  seed_parameters<DensityInverted>(w_, Real(-1), dlogdet, Real(-1), none);
  // Accumulates parameter gradients; of its input gradient only the context columns are new (those of x
  // were solved for above).
  accumulate_context_gradient(made_.backward(dtheta_));
  return w_;  // dL/du
}

template class Autoregressive<AffineTransform>;
template class Autoregressive<SplineTransform>;

}  // namespace tractable
