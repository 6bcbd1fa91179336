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

void activation_forward(Activation a, const Matrix& pre, const Matrix& out) {
  require(pre.extent(0) == out.extent(0) && pre.extent(1) == out.extent(1), "activation_forward: shape mismatch");
  const std::size_t cols = pre.extent(1);
  Kokkos::parallel_for(
      "tractable::activation_forward", RangePolicy(0, pre.extent(0) * cols), KOKKOS_LAMBDA(const std::size_t k) {
        const std::size_t i = k / cols, j = k % cols;
        const Real x = pre(i, j);
        Real y = x;
        switch (a) {
          case Activation::identity: break;
          case Activation::relu: y = x > Real(0) ? x : Real(0); break;
          case Activation::leaky_relu: y = x > Real(0) ? x : leaky_relu_slope * x; break;
          case Activation::tanh: y = kmath::tanh(x); break;
          case Activation::elu: y = x > Real(0) ? x : kmath::expm1(x); break;
          case Activation::softplus: y = stable_softplus(x); break;
        }
        out(i, j) = y;
      });
}

void activation_backward(Activation a, const Matrix& pre, const Matrix& out, const Matrix& dout, const Matrix& dpre) {
  require(pre.extent(0) == dpre.extent(0) && pre.extent(1) == dpre.extent(1) && dout.extent(0) == pre.extent(0) &&
              dout.extent(1) == pre.extent(1),
          "activation_backward: shape mismatch");
  const std::size_t cols = pre.extent(1);
  Kokkos::parallel_for(
      "tractable::activation_backward", RangePolicy(0, pre.extent(0) * cols), KOKKOS_LAMBDA(const std::size_t k) {
        const std::size_t i = k / cols, j = k % cols;
        const Real x = pre(i, j);
        Real d = 1;
        switch (a) {
          case Activation::identity: break;
          case Activation::relu: d = x > Real(0) ? Real(1) : Real(0); break;
          case Activation::leaky_relu: d = x > Real(0) ? Real(1) : leaky_relu_slope; break;
          case Activation::tanh: d = Real(1) - out(i, j) * out(i, j); break;
          case Activation::elu: d = x > Real(0) ? Real(1) : out(i, j) + Real(1); break;
          case Activation::softplus: d = stable_sigmoid(x); break;
        }
        dpre(i, j) = d * dout(i, j);
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
