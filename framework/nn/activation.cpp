#include "nn/activation.hpp"
#include "core/batch_parallel.hpp"
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

// Both kernels are elementwise over [B, D] (core/batch_parallel.hpp), one launch per activation so
// that the loop the host vectorises has no branch on it (libmvec's tanh, exp, log1p:
// core/vector_math.hpp). Each value depends on its element only, never on how rows are split.
void activation_forward(Activation a, const Matrix& pre /*[B, D]*/, const Matrix& out /*[B, D]*/) {
  require(pre.extent(0) == out.extent(0) && pre.extent(1) == out.extent(1), "activation_forward: shape mismatch");
  const std::size_t rows = pre.extent(0), cols = pre.extent(1);
  const std::string label = "tractable::activation_forward::" + activation_name(a);
  switch (a) {
    case Activation::identity:
      for_each_element(label, rows, cols, KOKKOS_LAMBDA(std::size_t i, std::size_t j) { out(i, j) = pre(i, j); });
      break;
    case Activation::relu:
      for_each_element(label, rows, cols, KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
        out(i, j) = pre(i, j) > Real(0) ? pre(i, j) : Real(0);
      });
      break;
    case Activation::leaky_relu:
      for_each_element(label, rows, cols, KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
        out(i, j) = pre(i, j) > Real(0) ? pre(i, j) : leaky_relu_slope * pre(i, j);
      });
      break;
    case Activation::tanh:
      for_each_element(label, rows, cols, KOKKOS_LAMBDA(std::size_t i, std::size_t j) { out(i, j) = kmath::tanh(pre(i, j)); });
      break;
    case Activation::elu:
      for_each_element(label, rows, cols, KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
        const Real v = pre(i, j), e = kmath::expm1(v > Real(0) ? Real(0) : v);
        out(i, j) = v > Real(0) ? v : e;
      });
      break;
    case Activation::softplus:
      for_each_element(label, rows, cols, KOKKOS_LAMBDA(std::size_t i, std::size_t j) { out(i, j) = stable_softplus(pre(i, j)); });
      break;
  }
}

void activation_backward(Activation a, const Matrix& pre /*[B, D]*/, const Matrix& out /*[B, D]*/,
                         const Matrix& dout /*[B, D]*/, const Matrix& dpre /*[B, D]*/) {
  require(pre.extent(0) == dpre.extent(0) && pre.extent(1) == dpre.extent(1) && dout.extent(0) == pre.extent(0) &&
              dout.extent(1) == pre.extent(1),
          "activation_backward: shape mismatch");
  const std::size_t rows = pre.extent(0), cols = pre.extent(1);
  const std::string label = "tractable::activation_backward::" + activation_name(a);
  switch (a) {
    case Activation::identity:
      for_each_element(label, rows, cols, KOKKOS_LAMBDA(std::size_t i, std::size_t j) { dpre(i, j) = dout(i, j); });
      break;
    case Activation::relu:
      for_each_element(label, rows, cols, KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
        dpre(i, j) = (pre(i, j) > Real(0) ? Real(1) : Real(0)) * dout(i, j);
      });
      break;
    case Activation::leaky_relu:
      for_each_element(label, rows, cols, KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
        dpre(i, j) = (pre(i, j) > Real(0) ? Real(1) : leaky_relu_slope) * dout(i, j);
      });
      break;
    case Activation::tanh:
      for_each_element(label, rows, cols, KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
        dpre(i, j) = (Real(1) - out(i, j) * out(i, j)) * dout(i, j);
      });
      break;
    case Activation::elu:
      for_each_element(label, rows, cols, KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
        dpre(i, j) = (pre(i, j) > Real(0) ? Real(1) : out(i, j) + Real(1)) * dout(i, j);
      });
      break;
    case Activation::softplus:
      for_each_element(label, rows, cols, KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
        dpre(i, j) = stable_sigmoid(pre(i, j)) * dout(i, j);
      });
      break;
  }
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
