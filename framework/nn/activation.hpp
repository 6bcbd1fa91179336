#pragma once
// Elementwise activations and their exact derivatives.
#include "nn/layer.hpp"

#include <string>
#include <vector>

namespace tractable {

enum class Activation { identity, relu, leaky_relu, tanh, elu, softplus };

Activation parse_activation(const std::string& name);  // throws SpecError on unknown names
std::string activation_name(Activation a);
const std::vector<std::string>& activation_names();

constexpr Real leaky_relu_slope = Real(0.01);

// out = f(pre)
void activation_forward(Activation a, const Matrix& pre /*[B, N]*/, const Matrix& out /*[B, N]*/);
// y = f(y + b) in place, b broadcast over the rows: a Linear layer's epilogue, one pass after its GEMM.
void activation_forward_with_bias(Activation a, const Matrix& y /*[B, N]*/, const Vector& b /*[N]*/);
// dpre = f'(pre) * dout; uses `out` where the derivative is cheaper from f(pre).
void activation_backward(Activation a, const Matrix& pre /*[B, N]*/, const Matrix& out /*[B, N]*/,
                         const Matrix& dout /*[B, N]*/, const Matrix& dpre /*[B, N]*/);
// The same from out = f(pre) alone: each derivative is a function of the activation's value (relu,
// leaky_relu and elu by its sign, tanh 1 − out², softplus 1 − e^{−out}), so a fused layer keeps no pre.
void activation_backward_from_output(Activation a, const Matrix& out /*[B, N]*/, const Matrix& dout /*[B, N]*/,
                                     const Matrix& dpre /*[B, N]*/);

class ActivationLayer : public Layer {
 public:
  ActivationLayer(Activation a, std::size_t features) : activation_(a), features_(features) {}
  const Matrix& forward(const Matrix& x) override;
  const Matrix& backward(const Matrix& dy) override;
  const Matrix& input_vjp(const Matrix& dy) override { return backward(dy); }  // no parameters
  std::size_t in_features() const override { return features_; }
  std::size_t out_features() const override { return features_; }
  std::string describe() const override { return activation_name(activation_); }

 private:
  Activation activation_;
  std::size_t features_;
  Matrix input_, output_, input_gradient_;
};

}  // namespace tractable
