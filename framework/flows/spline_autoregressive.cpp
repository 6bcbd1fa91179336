#include "flows/spline_autoregressive.hpp"

#include "core/error.hpp"

namespace tractable {

namespace {
MlpShape made_io(MlpShape shape, std::size_t dim, const SplineConfig& spline) {
  shape.in = dim;
  shape.out = std::size_t(spline.parameters()) * dim;
  shape.zero_output = true;  // the identity spline
  return shape;
}
}  // namespace

SplineAutoregressive::SplineAutoregressive(ParameterStore& store, const std::string& name, std::size_t dim,
                                           const MlpShape& made_shape, const SplineConfig& spline, InputOrder order,
                                           std::uint64_t order_seed)
    : dim_(dim),
      spline_(spline),
      made_(store, name + ".made", made_io(made_shape, dim, spline), [&] {
        auto c = made_connectivity(dim, made_shape.hidden, made_shape.depth, std::size_t(spline.parameters()), order,
                                   order_seed);
        degrees_ = c.input_degrees;
        connectivity_ = c;
        return c.masks;
      }()) {
  require(spline.bins >= 2 && spline.bins <= SplineConfig::max_bins, "SplineAutoregressive: bins out of range");
}

std::string SplineAutoregressive::describe() const {
  return "SplineAutoregressive(bins=" + std::to_string(spline_.bins) + ", tail_bound=" +
         std::to_string(spline_.tail_bound) + ", made=" + made_.describe() + ")";
}

void SplineAutoregressive::parameter_seed(const Matrix& a, Real a_scale, const Vector& b, Real b_scale) {
  const std::size_t batch = point_.extent(0), dim = dim_;
  ensure_shape(dtheta_, batch, raw_.extent(1), "tractable::SplineAutoregressive::dtheta");
  Kokkos::deep_copy(dtheta_, Real(0));
  const Matrix x = point_, raw = raw_, dtheta = dtheta_;
  const bool has_a = a.data() != nullptr;
  const SplineConfig c = spline_;
  Kokkos::parallel_for(
      "tractable::SplineAutoregressive::parameter_seed", RangePolicy(0, batch * dim), KOKKOS_LAMBDA(const std::size_t k) {
        const std::size_t i = k / dim, j = k % dim;
        const Real aj = has_a ? a_scale * a(i, j) : Real(0);
        spline_parameter_vjp(c, SplineParameters{raw, i, j, dim}, x(i, j), aj, b_scale * b(i),
                             SplineParameterGradient{dtheta, i, j, dim});
      });
}

// ---- forward (density direction): one parallel pass ------------------------

const Matrix& SplineAutoregressive::forward(const Matrix& x, const Vector& logdet) {
  const std::size_t batch = x.extent(0), dim = dim_;
  require(x.extent(1) == dim, "SplineAutoregressive: input has the wrong number of columns");
  raw_ = made_.forward(x);
  point_ = x;
  ensure_shape(output_, batch, dim, "tractable::SplineAutoregressive::output");
  const Matrix u = output_, raw = raw_;
  const SplineConfig c = spline_;
  Kokkos::parallel_for(
      "tractable::SplineAutoregressive::forward", RangePolicy(0, batch), KOKKOS_LAMBDA(const std::size_t i) {
        Real sum = 0;
        for (std::size_t j = 0; j < dim; ++j) {
          const auto v = spline_evaluate(c, SplineParameters{raw, i, j, dim}, x(i, j));
          u(i, j) = v.y;
          sum += kmath::log(v.slope);
        }
        logdet(i) += sum;
      });
  return output_;
}

const Matrix& SplineAutoregressive::forward_backward(const Matrix& du, const Vector& dlogdet) {
  const std::size_t batch = point_.extent(0), dim = dim_;
  require(du.extent(0) == batch && du.extent(1) == dim, "SplineAutoregressive::forward_backward: shape mismatch");
  ensure_shape(input_gradient_, batch, dim, "tractable::SplineAutoregressive::input_gradient");
  parameter_seed(du, Real(1), dlogdet, Real(1));
  const Matrix x = point_, raw = raw_, dx = input_gradient_;
  const SplineConfig c = spline_;
  const Matrix through_made = made_.backward(dtheta_);
  Kokkos::parallel_for(
      "tractable::SplineAutoregressive::forward_backward", RangePolicy(0, batch * dim), KOKKOS_LAMBDA(const std::size_t k) {
        const std::size_t i = k / dim, j = k % dim;
        const auto v = spline_evaluate(c, SplineParameters{raw, i, j, dim}, x(i, j));
        dx(i, j) = du(i, j) * v.slope + dlogdet(i) * v.dlog_slope + through_made(i, j);
      });
  return input_gradient_;
}

// ---- inverse (sampling direction): D sequential passes ---------------------

const Matrix& SplineAutoregressive::inverse(const Matrix& u, const Vector& logdet) {
  const std::size_t batch = u.extent(0), dim = dim_;
  require(u.extent(1) == dim, "SplineAutoregressive: input has the wrong number of columns");
  ensure_shape(output_, batch, dim, "tractable::SplineAutoregressive::output");
  const Matrix x = output_;
  Kokkos::deep_copy(x, Real(0));
  const SplineConfig c = spline_;
  // After pass p every coordinate of degree <= p is exact; D passes finish.
  for (std::size_t pass = 0; pass < dim; ++pass) {
    const Matrix raw = made_.forward(x);
    Kokkos::parallel_for(
        "tractable::SplineAutoregressive::inverse_pass", RangePolicy(0, batch * dim), KOKKOS_LAMBDA(const std::size_t k) {
          const std::size_t i = k / dim, j = k % dim;
          Real xj = 0;
          spline_invert(c, SplineParameters{raw, i, j, dim}, u(i, j), xj);
          x(i, j) = xj;
        });
  }
  raw_ = made_.forward(x);  // caches at the solution for the backward
  point_ = output_;
  const Matrix raw = raw_;
  Kokkos::parallel_for(
      "tractable::SplineAutoregressive::inverse_logdet", RangePolicy(0, batch), KOKKOS_LAMBDA(const std::size_t i) {
        Real sum = 0;
        for (std::size_t j = 0; j < dim; ++j) sum += kmath::log(spline_evaluate(c, SplineParameters{raw, i, j, dim}, x(i, j)).slope);
        logdet(i) -= sum;
      });
  return output_;
}

const Matrix& SplineAutoregressive::inverse_backward(const Matrix& dx, const Vector& dlogdet) {
  const std::size_t batch = point_.extent(0), dim = dim_;
  require(dx.extent(0) == batch && dx.extent(1) == dim, "SplineAutoregressive::inverse_backward: shape mismatch");
  ensure_shape(v_, batch, dim, "tractable::SplineAutoregressive::v");
  ensure_shape(w_, batch, dim, "tractable::SplineAutoregressive::w");
  const Matrix x = point_, raw = raw_, v = v_, w = w_;
  const SplineConfig c = spline_;
  const Matrix none;

  // v = dL/dx + dL/dlogdet·∂logdet/∂x with logdet = −Σ log f'(x_j; θ_j(x)).
  parameter_seed(none, Real(0), dlogdet, Real(-1));
  {
    const Matrix through_theta = made_.input_vjp(dtheta_);
    Kokkos::parallel_for(
        "tractable::SplineAutoregressive::total_dx", RangePolicy(0, batch * dim), KOKKOS_LAMBDA(const std::size_t k) {
          const std::size_t i = k / dim, j = k % dim;
          const auto s = spline_evaluate(c, SplineParameters{raw, i, j, dim}, x(i, j));
          v(i, j) = dx(i, j) - dlogdet(i) * s.dlog_slope + through_theta(i, j);
          w(i, j) = v(i, j) / s.slope;
        });
  }
  // Solve J^T w = v with J^T w = f' ⊙ w + VJP(dθ_j = w_j ∂f/∂θ_j): exact after D sweeps.
  const Vector zeros("tractable::SplineAutoregressive::zeros", batch);
  for (std::size_t sweep = 0; sweep < dim; ++sweep) {
    parameter_seed(w_, Real(1), zeros, Real(0));
    const Matrix r = made_.input_vjp(dtheta_);
    Kokkos::parallel_for(
        "tractable::SplineAutoregressive::sweep", RangePolicy(0, batch * dim), KOKKOS_LAMBDA(const std::size_t k) {
          const std::size_t i = k / dim, j = k % dim;
          const auto s = spline_evaluate(c, SplineParameters{raw, i, j, dim}, x(i, j));
          w(i, j) = (v(i, j) - r(i, j)) / s.slope;
        });
  }
  // Parameters: dL/dθ = −w^T ∂u/∂θ − dL/dlogdet · ∂Σ log f'/∂θ.
  parameter_seed(w_, Real(-1), dlogdet, Real(-1));
  made_.backward(dtheta_);
  return w_;
}

}  // namespace tractable
