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

// The indices j with mask[j] == value, on the device.
IndexVector columns_where(const std::vector<int>& mask, int value, const char* label) {
  std::vector<int> columns;
  for (std::size_t j = 0; j < mask.size(); ++j)
    if ((mask[j] != 0) == (value != 0)) columns.push_back(int(j));
  IndexVector out(std::string(label), columns.size());
  auto host = Kokkos::create_mirror_view(out);
  for (std::size_t k = 0; k < columns.size(); ++k) host(k) = columns[k];
  Kokkos::deep_copy(out, host);
  return out;
}
}  // namespace

template <class Transform>
Coupling<Transform>::Coupling(ParameterStore& store, const std::string& name, const std::vector<int>& mask,
                              const MlpShape& conditioner_shape, const Transform& transform,
                              std::size_t context_features)
    : dim_(mask.size()),
      transform_(transform),
      conditioner_(store, name + ".conditioner", mask, with_outputs(conditioner_shape, mask.size(), transform.parameters()),
                   context_features),
      passed_(columns_where(mask, 1, "tractable::Coupling::passed")),
      transformed_(columns_where(mask, 0, "tractable::Coupling::transformed")) {}

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
  const IndexVector passed = passed_, transformed = transformed_;
  const Oriented<Transform, Inverted> h{transform_};
  for_each_element("tractable::Coupling::apply::passed", batch, passed.extent(0),
                   KOKKOS_LAMBDA(std::size_t i, std::size_t k) { out(i, passed(k)) = in(i, passed(k)); });
  // Each transformed element of the batch, its log-derivative summed per row into logdet.
  for_each_row_sum("tractable::Coupling::apply", batch, transformed.extent(0), logdet, true,
                   KOKKOS_LAMBDA(std::size_t i, std::size_t k) {
                     const std::size_t j = transformed(k);
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
  fill_zero(conditioner_grad_);
  const Matrix a = input_, b = output_, raw = raw_, dtheta = conditioner_grad_, din = input_gradient_;
  const IndexVector passed = passed_, transformed = transformed_;
  const Oriented<Transform, Inverted> h{transform_};
  for_each_element("tractable::Coupling::backward::passed", batch, passed.extent(0),
                   KOKKOS_LAMBDA(std::size_t i, std::size_t k) { din(i, passed(k)) = dout(i, passed(k)); });
  for_each_element("tractable::Coupling::backward", batch, transformed.extent(0),
                   KOKKOS_LAMBDA(std::size_t i, std::size_t k) {
                     const std::size_t j = transformed(k);
                     din(i, j) = h.vjp(TransformParameters{raw, i, j, dim}, a(i, j), b(i, j), dout(i, j), dlogdet(i),
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
