#include "flows/spline_coupling.hpp"

#include "core/error.hpp"

namespace tractable {

namespace {
MlpShape with_outputs(MlpShape shape, std::size_t dim, const SplineConfig& spline) {
  shape.out = std::size_t(spline.parameters()) * dim;  // zero at the start: the identity spline
  return shape;
}
}  // namespace

SplineCoupling::SplineCoupling(ParameterStore& store, const std::string& name, const std::vector<int>& mask,
                               const MlpShape& conditioner_shape, const SplineConfig& spline)
    : dim_(mask.size()),
      spline_(spline),
      conditioner_(store, name + ".conditioner", mask, with_outputs(conditioner_shape, mask.size(), spline)) {
  require(spline.bins >= 2 && spline.bins <= SplineConfig::max_bins, "SplineCoupling: bins out of range");
}

std::string SplineCoupling::describe() const {
  return "SplineCoupling(mask=" + conditioner_.mask_string() + ", bins=" + std::to_string(spline_.bins) + ", tail_bound=" + std::to_string(spline_.tail_bound) +
         ", conditioner=" + conditioner_.describe() + ")";
}

// ---- forward: y_j = spline_j(x_j) on unmasked coordinates -------------------

const Matrix& SplineCoupling::forward(const Matrix& x, const Vector& logdet) {
  raw_ = conditioner_(x);
  const std::size_t batch = x.extent(0), dim = dim_;
  point_ = x;
  ensure_shape(output_, batch, dim, "tractable::SplineCoupling::output");
  const Matrix y = output_, raw = raw_;
  const auto mask = conditioner_.mask();
  const SplineConfig c = spline_;
  Kokkos::parallel_for(
      "tractable::SplineCoupling::forward", RangePolicy(0, batch), KOKKOS_LAMBDA(const std::size_t i) {
        Real sum = 0;
        for (std::size_t j = 0; j < dim; ++j) {
          if (mask(j)) {
            y(i, j) = x(i, j);
            continue;
          }
          const auto v = spline_evaluate(c, SplineParameters{raw, i, j, dim}, x(i, j));
          y(i, j) = v.y;
          sum += kmath::log(v.slope);
        }
        logdet(i) += sum;
      });
  return output_;
}

const Matrix& SplineCoupling::forward_backward(const Matrix& dy, const Vector& dlogdet) {
  const std::size_t batch = point_.extent(0), dim = dim_;
  require(dy.extent(0) == batch && dy.extent(1) == dim, "SplineCoupling::forward_backward: dy shape mismatch");
  ensure_shape(conditioner_grad_, batch, raw_.extent(1), "tractable::SplineCoupling::conditioner_grad");
  ensure_shape(input_gradient_, batch, dim, "tractable::SplineCoupling::input_gradient");
  Kokkos::deep_copy(conditioner_grad_, Real(0));
  const Matrix x = point_, raw = raw_, dtheta = conditioner_grad_, dx = input_gradient_;
  const auto mask = conditioner_.mask();
  const SplineConfig c = spline_;
  Kokkos::parallel_for(
      "tractable::SplineCoupling::forward_backward", RangePolicy(0, batch * dim), KOKKOS_LAMBDA(const std::size_t k) {
        const std::size_t i = k / dim, j = k % dim;
        if (mask(j)) {
          dx(i, j) = dy(i, j);
          return;
        }
        const SplineParameters theta{raw, i, j, dim};
        const auto v = spline_evaluate(c, theta, x(i, j));
        dx(i, j) = dy(i, j) * v.slope + dlogdet(i) * v.dlog_slope;
        spline_parameter_vjp(c, theta, x(i, j), dy(i, j), dlogdet(i), SplineParameterGradient{dtheta, i, j, dim});
      });
  conditioner_.backward(conditioner_grad_, input_gradient_);
  return input_gradient_;
}

// ---- inverse: x_j = spline_j^{-1}(y_j) ------------------------------------

const Matrix& SplineCoupling::inverse(const Matrix& y, const Vector& logdet) {
  raw_ = conditioner_(y);
  const std::size_t batch = y.extent(0), dim = dim_;
  ensure_shape(output_, batch, dim, "tractable::SplineCoupling::output");
  const Matrix x = output_, raw = raw_;
  const auto mask = conditioner_.mask();
  const SplineConfig c = spline_;
  Kokkos::parallel_for(
      "tractable::SplineCoupling::inverse", RangePolicy(0, batch), KOKKOS_LAMBDA(const std::size_t i) {
        Real sum = 0;
        for (std::size_t j = 0; j < dim; ++j) {
          if (mask(j)) {
            x(i, j) = y(i, j);
            continue;
          }
          Real xj = 0;
          const auto v = spline_invert(c, SplineParameters{raw, i, j, dim}, y(i, j), xj);
          x(i, j) = xj;
          sum += kmath::log(v.slope);
        }
        logdet(i) -= sum;
      });
  point_ = output_;
  return output_;
}

const Matrix& SplineCoupling::inverse_backward(const Matrix& dx, const Vector& dlogdet) {
  const std::size_t batch = point_.extent(0), dim = dim_;
  require(dx.extent(0) == batch && dx.extent(1) == dim, "SplineCoupling::inverse_backward: dx shape mismatch");
  ensure_shape(conditioner_grad_, batch, raw_.extent(1), "tractable::SplineCoupling::conditioner_grad");
  ensure_shape(input_gradient_, batch, dim, "tractable::SplineCoupling::input_gradient");
  Kokkos::deep_copy(conditioner_grad_, Real(0));
  const Matrix x = point_, raw = raw_, dtheta = conditioner_grad_, dy = input_gradient_;
  const auto mask = conditioner_.mask();
  const SplineConfig c = spline_;
  Kokkos::parallel_for(
      "tractable::SplineCoupling::inverse_backward", RangePolicy(0, batch * dim), KOKKOS_LAMBDA(const std::size_t k) {
        const std::size_t i = k / dim, j = k % dim;
        if (mask(j)) {
          dy(i, j) = dx(i, j);
          return;
        }
        // x = f^{-1}(y), log|det| = −log f'(x): dL/dy = (gx − gl ∂log f'/∂x) / f'.
        const SplineParameters theta{raw, i, j, dim};
        const auto v = spline_evaluate(c, theta, x(i, j));
        const Real through = (dx(i, j) - dlogdet(i) * v.dlog_slope) / v.slope;
        dy(i, j) = through;
        spline_parameter_vjp(c, theta, x(i, j), -through, -dlogdet(i), SplineParameterGradient{dtheta, i, j, dim});
      });
  conditioner_.backward(conditioner_grad_, input_gradient_);
  return input_gradient_;
}

}  // namespace tractable
