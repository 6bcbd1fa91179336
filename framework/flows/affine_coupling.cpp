#include "flows/affine_coupling.hpp"

#include "core/error.hpp"

namespace tractable {

namespace {
MlpShape with_io(MlpShape shape, std::size_t dim, AffineCoupling::Kind kind) {
  shape.in = dim;
  shape.out = kind == AffineCoupling::Kind::affine ? 2 * dim : dim;
  shape.zero_output = true;
  return shape;
}
}  // namespace

AffineCoupling::AffineCoupling(ParameterStore& store, const std::string& name, const std::vector<int>& mask,
                               const MlpShape& conditioner_shape, Real scale_bound, Kind kind)
    : dim_(mask.size()),
      scale_bound_(scale_bound),
      kind_(kind),
      shift_column_(kind == Kind::affine ? mask.size() : 0),
      mask_("tractable::AffineCoupling::mask", mask.size()),
      conditioner_(store, name + ".conditioner", with_io(conditioner_shape, mask.size(), kind)) {
  require(scale_bound > 0, "AffineCoupling: scale bound must be positive");
  auto host = Kokkos::create_mirror_view(mask_);
  for (std::size_t j = 0; j < mask.size(); ++j) host(j) = mask[j] ? 1 : 0;
  Kokkos::deep_copy(mask_, host);
}

std::string AffineCoupling::describe() const {
  auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), mask_);
  std::string m;
  for (std::size_t j = 0; j < dim_; ++j) m += host(j) ? '1' : '0';
  return std::string(kind_ == Kind::affine ? "AffineCoupling" : "AdditiveCoupling") + "(mask=" + m + ", conditioner=" + conditioner_.describe() + ")";
}

void AffineCoupling::condition(const Matrix& source) {
  const std::size_t batch = source.extent(0), dim = dim_;
  require(source.extent(1) == dim, "AffineCoupling: input has " + std::to_string(source.extent(1)) +
                                       " columns, expected " + std::to_string(dim));
  ensure_shape(masked_input_, batch, dim, "tractable::AffineCoupling::masked_input");
  ensure_shape(log_scale_, batch, dim, "tractable::AffineCoupling::log_scale");
  ensure_shape(shift_, batch, dim, "tractable::AffineCoupling::shift");
  const auto mask = mask_;
  const auto masked = masked_input_;
  Kokkos::parallel_for(
      "tractable::AffineCoupling::mask_input", RangePolicy(0, batch * dim), KOKKOS_LAMBDA(const std::size_t k) {
        const std::size_t i = k / dim, j = k % dim;
        masked(i, j) = mask(j) ? source(i, j) : Real(0);
      });
  const Matrix raw = conditioner_.forward(masked_input_);  // [B, 2D] (affine) or [B, D] (additive)
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

void AffineCoupling::backpropagate_conditioner(const Matrix& grad) {
  const Matrix from_conditioner = conditioner_.backward(conditioner_grad_);  // [B, D]
  const auto mask = mask_;
  const std::size_t dim = dim_;
  Kokkos::parallel_for(
      "tractable::AffineCoupling::add_conditioner_grad", RangePolicy(0, grad.extent(0) * dim),
      KOKKOS_LAMBDA(const std::size_t k) {
        const std::size_t i = k / dim, j = k % dim;
        if (mask(j)) grad(i, j) += from_conditioner(i, j);
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
  const IndexVector mask = mask_;
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
  backpropagate_conditioner(input_gradient_);
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
  const IndexVector mask = mask_;
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
  backpropagate_conditioner(input_gradient_);
  return input_gradient_;
}

}  // namespace tractable
