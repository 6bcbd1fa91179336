#include "flows/coupling.hpp"

#include "core/batch_parallel.hpp"
#include "core/error.hpp"
#include "flows/affine_transform.hpp"
#include "flows/rational_quadratic_spline.hpp"

namespace tractable {

namespace {
MlpShape with_outputs(MlpShape shape, std::size_t dim, int parameters) {
  shape.out = std::size_t(parameters) * dim;
  return shape;
}
}  // namespace

template <class Transform>
Coupling<Transform>::Coupling(ParameterStore& store, const std::string& name, const std::vector<int>& mask,
                              const MlpShape& conditioner_shape, const Transform& transform,
                              std::size_t context_features)
    : dim_(mask.size()),
      transform_(transform),
      conditioner_(store, name + ".conditioner", mask, with_outputs(conditioner_shape, mask.size(), transform.parameters()),
                   context_features) {}

template <class Transform>
std::string Coupling<Transform>::describe() const {
  return "Coupling(" + transform_.describe() + ", mask=" + conditioner_.mask_string() +
         (context_features() ? ", context=" + std::to_string(context_features()) : std::string()) +
         ", conditioner=" + conditioner_.describe() + ")";
}

template <class Transform>
template <bool Inverted>
const Matrix& Coupling<Transform>::apply(const Matrix& in, const Vector& logdet) {
  raw_ = prepare_parameters(transform_, conditioner_(in, context_), prepared_, dim_);
  inverted_ = Inverted;
  const std::size_t batch = in.extent(0), dim = dim_;
  input_ = in;
  ensure_shape(output_, batch, dim, "tractable::Coupling::output");
  const Matrix out = output_, raw = raw_;
  const auto mask = conditioner_.mask();
  const Oriented<Transform, Inverted> h{transform_};
  // Each element of the [B, D] batch is transformed (or passed, where masked); its log-derivative
  // is summed per row into logdet.
  for_each_row_sum("tractable::Coupling::apply", batch, dim, logdet, true,
                   KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
                     if (mask(j)) {
                       out(i, j) = in(i, j);
                       return Real(0);
                     }
                     Real b = 0;
                     const Real log_derivative = h.apply(TransformParameters{raw, i, j, dim}, in(i, j), b);
                     out(i, j) = b;
                     return log_derivative;
                   });
  return output_;
}

template <class Transform>
template <bool Inverted>
const Matrix& Coupling<Transform>::backward(const Matrix& dout, const Vector& dlogdet) {
  const std::size_t batch = input_.extent(0), dim = dim_;
  require(dout.extent(0) == batch && dout.extent(1) == dim, "Coupling: backward gradient shape mismatch");
  ensure_shape(conditioner_grad_, batch, raw_.extent(1), "tractable::Coupling::conditioner_grad");
  ensure_shape(input_gradient_, batch, dim, "tractable::Coupling::input_gradient");
  Kokkos::deep_copy(ExecSpace(), conditioner_grad_, Real(0));
  const Matrix a = input_, b = output_, raw = raw_, dtheta = conditioner_grad_, din = input_gradient_;
  const auto mask = conditioner_.mask();
  const Oriented<Transform, Inverted> h{transform_};
  for_each_element("tractable::Coupling::backward", batch, dim, KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
    din(i, j) = mask(j) ? dout(i, j)
                        : h.vjp(TransformParameters{raw, i, j, dim}, a(i, j), b(i, j), dout(i, j), dlogdet(i),
                                TransformParameterGradient{dtheta, i, j, dim});
  });
  prepare_parameters_backward(transform_, raw_, conditioner_grad_, dim);
  conditioner_.backward(conditioner_grad_, input_gradient_, context_gradient_);
  return input_gradient_;
}

template <class Transform>
const Matrix& Coupling<Transform>::forward(const Matrix& x, const Vector& logdet) {
  return apply<false>(x, logdet);
}
template <class Transform>
const Matrix& Coupling<Transform>::forward_backward(const Matrix& dy, const Vector& dlogdet) {
  require(!inverted_, "Coupling::forward_backward after an inverse call");
  return backward<false>(dy, dlogdet);
}
template <class Transform>
const Matrix& Coupling<Transform>::inverse(const Matrix& y, const Vector& logdet) {
  return apply<true>(y, logdet);
}
template <class Transform>
const Matrix& Coupling<Transform>::inverse_backward(const Matrix& dx, const Vector& dlogdet) {
  require(inverted_, "Coupling::inverse_backward after a forward call");
  return backward<true>(dx, dlogdet);
}

template class Coupling<AffineTransform>;
template class Coupling<SplineTransform>;

}  // namespace tractable
