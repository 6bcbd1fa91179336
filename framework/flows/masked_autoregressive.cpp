#include "flows/masked_autoregressive.hpp"

#include "core/error.hpp"

namespace tractable {

namespace {
MlpShape made_io(MlpShape shape, std::size_t dim) {
  shape.in = dim;
  shape.out = 2 * dim;
  shape.zero_output = true;  // starts as the identity
  return shape;
}
}  // namespace

MaskedAutoregressive::MaskedAutoregressive(ParameterStore& store, const std::string& name, std::size_t dim,
                                           const MlpShape& made_shape, Real scale_bound, InputOrder order,
                                           std::uint64_t order_seed)
    : dim_(dim),
      scale_bound_(scale_bound),
      made_(store, name + ".made", made_io(made_shape, dim), [&] {
        auto c = made_connectivity(dim, made_shape.hidden, made_shape.depth, 2, order, order_seed);
        degrees_ = c.input_degrees;
        connectivity_ = c;
        return c.masks;
      }()) {
  require(scale_bound > 0, "MaskedAutoregressive: scale bound must be positive");
}

std::string MaskedAutoregressive::describe() const {
  std::string order;
  for (std::size_t j = 0; j < dim_; ++j) order += (j ? " " : "") + std::to_string(degrees_[j]);
  return "MaskedAutoregressive(degrees=" + order + ", made=" + made_.describe() + ")";
}

void MaskedAutoregressive::run_made(const Matrix& x) {
  const std::size_t batch = x.extent(0), dim = dim_;
  require(x.extent(1) == dim, "MaskedAutoregressive: input has " + std::to_string(x.extent(1)) +
                                  " columns, expected " + std::to_string(dim));
  ensure_shape(mu_, batch, dim, "tractable::MaskedAutoregressive::mu");
  ensure_shape(alpha_, batch, dim, "tractable::MaskedAutoregressive::alpha");
  const Matrix raw = made_.forward(x);  // [B, 2D]
  const Matrix mu = mu_, alpha = alpha_;
  const Real c = scale_bound_;
  Kokkos::parallel_for(
      "tractable::MaskedAutoregressive::split_outputs", RangePolicy(0, batch * dim), KOKKOS_LAMBDA(const std::size_t k) {
        const std::size_t i = k / dim, j = k % dim;
        mu(i, j) = raw(i, j);
        alpha(i, j) = c * kmath::tanh(raw(i, dim + j) / c);
      });
}

void MaskedAutoregressive::fill_made_gradient(const Matrix& dmu, const Matrix& dalpha) {
  const std::size_t batch = dmu.extent(0), dim = dim_;
  ensure_shape(made_grad_, batch, 2 * dim, "tractable::MaskedAutoregressive::made_grad");
  const Matrix dh = made_grad_, alpha = alpha_;
  const Real c = scale_bound_;
  Kokkos::parallel_for(
      "tractable::MaskedAutoregressive::made_gradient", RangePolicy(0, batch * dim), KOKKOS_LAMBDA(const std::size_t k) {
        const std::size_t i = k / dim, j = k % dim;
        const Real r = alpha(i, j) / c;
        dh(i, j) = dmu(i, j);
        dh(i, dim + j) = dalpha(i, j) * (Real(1) - r * r);
      });
}

// ---- forward (density direction): one parallel pass ------------------------

const Matrix& MaskedAutoregressive::forward(const Matrix& x, const Vector& logdet) {
  run_made(x);
  const std::size_t batch = x.extent(0), dim = dim_;
  input_ = x;
  ensure_shape(output_, batch, dim, "tractable::MaskedAutoregressive::output");
  const Matrix u = output_, mu = mu_, alpha = alpha_;
  Kokkos::parallel_for(
      "tractable::MaskedAutoregressive::forward", RangePolicy(0, batch), KOKKOS_LAMBDA(const std::size_t i) {
        Real sum = 0;
        for (std::size_t j = 0; j < dim; ++j) {
          u(i, j) = (x(i, j) - mu(i, j)) * kmath::exp(-alpha(i, j));
          sum += alpha(i, j);
        }
        logdet(i) -= sum;
      });
  return output_;
}

const Matrix& MaskedAutoregressive::forward_backward(const Matrix& du, const Vector& dlogdet) {
  const std::size_t batch = input_.extent(0), dim = dim_;
  require(du.extent(0) == batch && du.extent(1) == dim, "MaskedAutoregressive::forward_backward: shape mismatch");
  ensure_shape(dmu_, batch, dim, "tractable::MaskedAutoregressive::dmu");
  ensure_shape(dalpha_, batch, dim, "tractable::MaskedAutoregressive::dalpha");
  ensure_shape(input_gradient_, batch, dim, "tractable::MaskedAutoregressive::input_gradient");
  const Matrix u = output_, alpha = alpha_, dmu = dmu_, dalpha = dalpha_, dx = input_gradient_;
  Kokkos::parallel_for(
      "tractable::MaskedAutoregressive::forward_backward", RangePolicy(0, batch * dim),
      KOKKOS_LAMBDA(const std::size_t k) {
        const std::size_t i = k / dim, j = k % dim;
        const Real e = kmath::exp(-alpha(i, j));
        dx(i, j) = du(i, j) * e;
        dmu(i, j) = -du(i, j) * e;
        dalpha(i, j) = -du(i, j) * u(i, j) - dlogdet(i);
      });
  fill_made_gradient(dmu_, dalpha_);
  const Matrix through_made = made_.backward(made_grad_);
  Kokkos::parallel_for(
      "tractable::MaskedAutoregressive::forward_backward_sum", RangePolicy(0, batch * dim),
      KOKKOS_LAMBDA(const std::size_t k) { dx(k / dim, k % dim) += through_made(k / dim, k % dim); });
  return input_gradient_;
}

// ---- inverse (sampling direction): D sequential passes ---------------------

const Matrix& MaskedAutoregressive::inverse(const Matrix& u, const Vector& logdet) {
  const std::size_t batch = u.extent(0), dim = dim_;
  ensure_shape(output_, batch, dim, "tractable::MaskedAutoregressive::output");
  const Matrix x = output_;
  Kokkos::deep_copy(x, Real(0));
  // After pass p every coordinate of degree <= p is exact; D passes finish.
  for (std::size_t pass = 0; pass < dim; ++pass) {
    run_made(x);
    const Matrix mu = mu_, alpha = alpha_;
    Kokkos::parallel_for(
        "tractable::MaskedAutoregressive::inverse_pass", RangePolicy(0, batch * dim),
        KOKKOS_LAMBDA(const std::size_t k) {
          const std::size_t i = k / dim, j = k % dim;
          x(i, j) = u(i, j) * kmath::exp(alpha(i, j)) + mu(i, j);
        });
  }
  run_made(x);  // caches at the solution for the backward
  input_ = u;
  const Matrix alpha = alpha_;
  Kokkos::parallel_for(
      "tractable::MaskedAutoregressive::inverse_logdet", RangePolicy(0, batch), KOKKOS_LAMBDA(const std::size_t i) {
        Real sum = 0;
        for (std::size_t j = 0; j < dim; ++j) sum += alpha(i, j);
        logdet(i) += sum;
      });
  return output_;
}

const Matrix& MaskedAutoregressive::inverse_backward(const Matrix& dx, const Vector& dlogdet) {
  const std::size_t batch = input_.extent(0), dim = dim_;
  require(dx.extent(0) == batch && dx.extent(1) == dim, "MaskedAutoregressive::inverse_backward: shape mismatch");
  ensure_shape(dmu_, batch, dim, "tractable::MaskedAutoregressive::dmu");
  ensure_shape(dalpha_, batch, dim, "tractable::MaskedAutoregressive::dalpha");
  ensure_shape(v_, batch, dim, "tractable::MaskedAutoregressive::v");
  ensure_shape(w_, batch, dim, "tractable::MaskedAutoregressive::w");
  const Matrix u = input_, alpha = alpha_, dmu = dmu_, dalpha = dalpha_, v = v_, w = w_;

  // v = dL/dx + dL/dlogdet · ∂(Σα)/∂x : the total derivative with respect to x.
  Kokkos::deep_copy(dmu, Real(0));
  Kokkos::parallel_for(
      "tractable::MaskedAutoregressive::logdet_seed", RangePolicy(0, batch * dim),
      KOKKOS_LAMBDA(const std::size_t k) { dalpha(k / dim, k % dim) = dlogdet(k / dim); });
  fill_made_gradient(dmu_, dalpha_);
  {
    const Matrix through_alpha = made_.input_vjp(made_grad_);
    Kokkos::parallel_for(
        "tractable::MaskedAutoregressive::total_dx", RangePolicy(0, batch * dim), KOKKOS_LAMBDA(const std::size_t k) {
          const std::size_t i = k / dim, j = k % dim;
          v(i, j) = dx(i, j) + through_alpha(i, j);
          w(i, j) = kmath::exp(alpha(i, j)) * v(i, j);
        });
  }
  // Solve J^T w = v, J^T w = e^{−α}⊙w − VJP(dμ = e^{−α}⊙w, dα = u⊙w): the VJP
  // term of coordinate d only involves later coordinates, so back-substitution
  // by fixed-point sweeps is exact after D sweeps.
  for (std::size_t sweep = 0; sweep < dim; ++sweep) {
    Kokkos::parallel_for(
        "tractable::MaskedAutoregressive::sweep_seed", RangePolicy(0, batch * dim), KOKKOS_LAMBDA(const std::size_t k) {
          const std::size_t i = k / dim, j = k % dim;
          dmu(i, j) = kmath::exp(-alpha(i, j)) * w(i, j);
          dalpha(i, j) = u(i, j) * w(i, j);
        });
    fill_made_gradient(dmu_, dalpha_);
    const Matrix r = made_.input_vjp(made_grad_);
    Kokkos::parallel_for(
        "tractable::MaskedAutoregressive::sweep", RangePolicy(0, batch * dim), KOKKOS_LAMBDA(const std::size_t k) {
          const std::size_t i = k / dim, j = k % dim;
          w(i, j) = kmath::exp(alpha(i, j)) * (v(i, j) + r(i, j));
        });
  }
  // Parameters: dL/dθ = −w^T ∂g/∂θ + dL/dlogdet · ∂(Σα)/∂θ, with ∂g/∂μ = −e^{−α}, ∂g/∂α = −u.
  Kokkos::parallel_for(
      "tractable::MaskedAutoregressive::parameter_seed", RangePolicy(0, batch * dim), KOKKOS_LAMBDA(const std::size_t k) {
        const std::size_t i = k / dim, j = k % dim;
        dmu(i, j) = kmath::exp(-alpha(i, j)) * w(i, j);
        dalpha(i, j) = u(i, j) * w(i, j) + dlogdet(i);
      });
  fill_made_gradient(dmu_, dalpha_);
  made_.backward(made_grad_);  // accumulates parameter gradients; its input gradient is not needed
  return w_;                   // dL/du
}

}  // namespace tractable
