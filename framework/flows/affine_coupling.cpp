#include "flows/affine_coupling.hpp"

#include "core/error.hpp"

namespace tractable {

namespace {
MlpShape with_outputs(MlpShape shape, std::size_t dim, AffineCoupling::Kind kind) {
  shape.out = kind == AffineCoupling::Kind::affine ? 2 * dim : dim;  // (raw s, t) or t
  return shape;
}
}  // namespace

AffineCoupling::AffineCoupling(ParameterStore& store, const std::string& name, const std::vector<int>& mask,
                               const MlpShape& conditioner_shape, Real scale_bound, Kind kind)
    : dim_(mask.size()),
      scale_bound_(scale_bound),
      kind_(kind),
      shift_column_(kind == Kind::affine ? mask.size() : 0),
      conditioner_(store, name + ".conditioner", mask, with_outputs(conditioner_shape, mask.size(), kind)) {
  require(scale_bound > 0, "AffineCoupling: scale bound must be positive");
}

std::string AffineCoupling::describe() const {
  return std::string(kind_ == Kind::affine ? "AffineCoupling" : "AdditiveCoupling") + "(mask=" +
         conditioner_.mask_string() + ", conditioner=" + conditioner_.describe() + ")";
}

void AffineCoupling::condition(const Matrix& source) {
  const std::size_t batch = source.extent(0), dim = dim_;
  ensure_shape(log_scale_, batch, dim, "tractable::AffineCoupling::log_scale");
  ensure_shape(shift_, batch, dim, "tractable::AffineCoupling::shift");
  const auto mask = conditioner_.mask();
  const Matrix raw = conditioner_(source);  // [B, 2D] (affine) or [B, D] (additive)
  const auto s = log_scale_, t = shift_;
  const Real c = scale_bound_;
  const bool additive = kind_ == Kind::additive;
  const std::size_t shift_column = shift_column_;
  Kokkos::parallel_for(
      "tractable::AffineCoupling::bound_scale", RangePolicy(0, batch * dim), KOKKOS_LAMBDA(const std::size_t k) {
        const std::size_t i = k / dim, j = k % dim;
        s(i, j) = mask(j) || additive ? Real(0) : c * kmath::tanh(raw(i, j) / c);
        t(i, j) = mask(j) ? Real(0) : raw(i, shift_column + j);
      });
}

// ---- forward: y = x·exp(s) + t on unmasked dims ---------------------------

const Matrix& AffineCoupling::forward(const Matrix& x, const Vector& logdet) {
  condition(x);
  const std::size_t batch = x.extent(0), dim = dim_;
  input_ = x;
  ensure_shape(output_, batch, dim, "tractable::AffineCoupling::output");
  const auto y = output_, s = log_scale_, t = shift_;
  Kokkos::parallel_for(
      "tractable::AffineCoupling::forward", RangePolicy(0, batch), KOKKOS_LAMBDA(const std::size_t i) {
        Real sum = 0;
        for (std::size_t j = 0; j < dim; ++j) {
          y(i, j) = x(i, j) * kmath::exp(s(i, j)) + t(i, j);  // s = t = 0 on masked dims
          sum += s(i, j);
        }
        logdet(i) += sum;
      });
  return output_;
}

const Matrix& AffineCoupling::forward_backward(const Matrix& dy, const Vector& dlogdet) {
  const std::size_t batch = input_.extent(0), dim = dim_;
  require(dy.extent(0) == batch && dy.extent(1) == dim, "AffineCoupling::forward_backward: dy shape mismatch");
  ensure_shape(conditioner_grad_, batch, conditioner_.out_features(), "tractable::AffineCoupling::conditioner_grad");
  ensure_shape(input_gradient_, batch, dim, "tractable::AffineCoupling::input_gradient");
  const Matrix x = input_, s = log_scale_, dh = conditioner_grad_, dx = input_gradient_;
  const IndexVector mask = conditioner_.mask();
  const Real c = scale_bound_;
  const bool additive = kind_ == Kind::additive;
  const std::size_t tc = shift_column_;
  Kokkos::parallel_for(
      "tractable::AffineCoupling::forward_backward", RangePolicy(0, batch * dim), KOKKOS_LAMBDA(const std::size_t k) {
        const std::size_t i = k / dim, j = k % dim;
        if (mask(j)) {
          dx(i, j) = dy(i, j);
          if (!additive) dh(i, j) = 0;
          dh(i, tc + j) = 0;
        } else {
          const Real e = kmath::exp(s(i, j));
          dx(i, j) = dy(i, j) * e;
          if (!additive) {
            const Real ds = dy(i, j) * x(i, j) * e + dlogdet(i);
            const Real r = s(i, j) / c;
            dh(i, j) = ds * (Real(1) - r * r);  // d(c·tanh(raw/c))/d raw = 1 − tanh²
          }
          dh(i, tc + j) = dy(i, j);
        }
      });
  conditioner_.backward(conditioner_grad_, input_gradient_);
  return input_gradient_;
}

// ---- inverse: x = (y − t)·exp(−s) on unmasked dims -------------------------

const Matrix& AffineCoupling::inverse(const Matrix& y, const Vector& logdet) {
  condition(y);
  const std::size_t batch = y.extent(0), dim = dim_;
  ensure_shape(output_, batch, dim, "tractable::AffineCoupling::output");
  const auto x = output_, s = log_scale_, t = shift_;
  Kokkos::parallel_for(
      "tractable::AffineCoupling::inverse", RangePolicy(0, batch), KOKKOS_LAMBDA(const std::size_t i) {
        Real sum = 0;
        for (std::size_t j = 0; j < dim; ++j) {
          x(i, j) = (y(i, j) - t(i, j)) * kmath::exp(-s(i, j));
          sum += s(i, j);
        }
        logdet(i) -= sum;
      });
  input_ = output_;  // backward needs the produced x
  return output_;
}

const Matrix& AffineCoupling::inverse_backward(const Matrix& dx, const Vector& dlogdet) {
  const std::size_t batch = input_.extent(0), dim = dim_;
  require(dx.extent(0) == batch && dx.extent(1) == dim, "AffineCoupling::inverse_backward: dx shape mismatch");
  ensure_shape(conditioner_grad_, batch, conditioner_.out_features(), "tractable::AffineCoupling::conditioner_grad");
  ensure_shape(input_gradient_, batch, dim, "tractable::AffineCoupling::input_gradient");
  const Matrix x = input_, s = log_scale_, dh = conditioner_grad_, dy = input_gradient_;
  const IndexVector mask = conditioner_.mask();
  const Real c = scale_bound_;
  const bool additive = kind_ == Kind::additive;
  const std::size_t tc = shift_column_;
  Kokkos::parallel_for(
      "tractable::AffineCoupling::inverse_backward", RangePolicy(0, batch * dim), KOKKOS_LAMBDA(const std::size_t k) {
        const std::size_t i = k / dim, j = k % dim;
        if (mask(j)) {
          dy(i, j) = dx(i, j);
          if (!additive) dh(i, j) = 0;
          dh(i, tc + j) = 0;
        } else {
          const Real e = kmath::exp(-s(i, j));
          dy(i, j) = dx(i, j) * e;
          if (!additive) {
            const Real ds = -dx(i, j) * x(i, j) - dlogdet(i);
            const Real r = s(i, j) / c;
            dh(i, j) = ds * (Real(1) - r * r);
          }
          dh(i, tc + j) = -dx(i, j) * e;
        }
      });
  conditioner_.backward(conditioner_grad_, input_gradient_);
  return input_gradient_;
}

}  // namespace tractable
