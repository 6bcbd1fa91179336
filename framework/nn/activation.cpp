#include "nn/activation.hpp"
#include "core/stable_math.hpp"

#include "core/error.hpp"

namespace tractable {

const std::vector<std::string>& activation_names() {
  static const std::vector<std::string> names{"identity", "relu", "leaky_relu", "tanh", "elu", "softplus"};
  return names;
}

Activation parse_activation(const std::string& name) {
  const auto& names = activation_names();
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<Activation>(i);
  throw SpecError("unknown activation '" + name + "'");
}

std::string activation_name(Activation a) { return activation_names().at(static_cast<std::size_t>(a)); }

// Both kernels: one work item per row, an inner loop over the row's contiguous
// columns with restrict pointers and the activation chosen outside it, so the
// host compiler vectorises the loop (libmvec's tanh, exp, log1p: core/vector_math.hpp).
// Each value depends on its column only, never on how rows are split over ranks.
void activation_forward(Activation a, const Matrix& pre, const Matrix& out) {
  require(pre.extent(0) == out.extent(0) && pre.extent(1) == out.extent(1), "activation_forward: shape mismatch");
  require(pre.span_is_contiguous() && out.span_is_contiguous(), "activation_forward: non-contiguous matrix");
  const std::size_t cols = pre.extent(1);
  Kokkos::parallel_for(
      "tractable::activation_forward", RangePolicy(0, pre.extent(0)), KOKKOS_LAMBDA(const std::size_t i) {
        const Real* __restrict x = &pre(i, 0);  // [cols]
        Real* __restrict y = &out(i, 0);        // [cols]
        switch (a) {
          case Activation::identity:
            for (std::size_t j = 0; j < cols; ++j) y[j] = x[j];
            break;
          case Activation::relu:
            for (std::size_t j = 0; j < cols; ++j) y[j] = x[j] > Real(0) ? x[j] : Real(0);
            break;
          case Activation::leaky_relu:
            for (std::size_t j = 0; j < cols; ++j) y[j] = x[j] > Real(0) ? x[j] : leaky_relu_slope * x[j];
            break;
          case Activation::tanh:
            for (std::size_t j = 0; j < cols; ++j) y[j] = kmath::tanh(x[j]);
            break;
          case Activation::elu:
            for (std::size_t j = 0; j < cols; ++j) {
              const Real e = kmath::expm1(x[j] > Real(0) ? Real(0) : x[j]);
              y[j] = x[j] > Real(0) ? x[j] : e;
            }
            break;
          case Activation::softplus:
            for (std::size_t j = 0; j < cols; ++j) y[j] = stable_softplus(x[j]);
            break;
        }
      });
}

void activation_backward(Activation a, const Matrix& pre, const Matrix& out, const Matrix& dout, const Matrix& dpre) {
  require(pre.extent(0) == dpre.extent(0) && pre.extent(1) == dpre.extent(1) && dout.extent(0) == pre.extent(0) &&
              dout.extent(1) == pre.extent(1),
          "activation_backward: shape mismatch");
  require(pre.span_is_contiguous() && out.span_is_contiguous() && dout.span_is_contiguous() && dpre.span_is_contiguous(),
          "activation_backward: non-contiguous matrix");
  const std::size_t cols = pre.extent(1);
  Kokkos::parallel_for(
      "tractable::activation_backward", RangePolicy(0, pre.extent(0)), KOKKOS_LAMBDA(const std::size_t i) {
        const Real* __restrict x = &pre(i, 0);   // [cols]
        const Real* __restrict y = &out(i, 0);   // [cols]
        const Real* __restrict dy = &dout(i, 0); // [cols]
        Real* __restrict dx = &dpre(i, 0);       // [cols]
        switch (a) {
          case Activation::identity:
            for (std::size_t j = 0; j < cols; ++j) dx[j] = dy[j];
            break;
          case Activation::relu:
            for (std::size_t j = 0; j < cols; ++j) dx[j] = (x[j] > Real(0) ? Real(1) : Real(0)) * dy[j];
            break;
          case Activation::leaky_relu:
            for (std::size_t j = 0; j < cols; ++j) dx[j] = (x[j] > Real(0) ? Real(1) : leaky_relu_slope) * dy[j];
            break;
          case Activation::tanh:
            for (std::size_t j = 0; j < cols; ++j) dx[j] = (Real(1) - y[j] * y[j]) * dy[j];
            break;
          case Activation::elu:
            for (std::size_t j = 0; j < cols; ++j) dx[j] = (x[j] > Real(0) ? Real(1) : y[j] + Real(1)) * dy[j];
            break;
          case Activation::softplus:
            for (std::size_t j = 0; j < cols; ++j) dx[j] = stable_sigmoid(x[j]) * dy[j];
            break;
        }
      });
}

const Matrix& ActivationLayer::forward(const Matrix& x) {
  input_ = x;
  ensure_shape(output_, x.extent(0), x.extent(1), "tractable::ActivationLayer::output");
  activation_forward(activation_, x, output_);
  return output_;
}

const Matrix& ActivationLayer::backward(const Matrix& dy) {
  ensure_shape(input_gradient_, dy.extent(0), dy.extent(1), "tractable::ActivationLayer::input_gradient");
  activation_backward(activation_, input_, output_, dy, input_gradient_);
  return input_gradient_;
}

}  // namespace tractable
