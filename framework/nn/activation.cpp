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

namespace {
// Each activation once: its value f(x), its derivative from the input and the value (the cheaper of
// the two), and its derivative from the value alone.
struct Identity {
  static KOKKOS_INLINE_FUNCTION Real value(Real x) { return x; }
  static KOKKOS_INLINE_FUNCTION Real slope(Real, Real) { return Real(1); }
  static KOKKOS_INLINE_FUNCTION Real slope_at_value(Real) { return Real(1); }
};
struct Relu {
  static KOKKOS_INLINE_FUNCTION Real value(Real x) { return x > Real(0) ? x : Real(0); }
  static KOKKOS_INLINE_FUNCTION Real slope(Real x, Real) { return x > Real(0) ? Real(1) : Real(0); }
  static KOKKOS_INLINE_FUNCTION Real slope_at_value(Real y) { return y > Real(0) ? Real(1) : Real(0); }
};
struct LeakyRelu {
  static KOKKOS_INLINE_FUNCTION Real value(Real x) { return x > Real(0) ? x : leaky_relu_slope * x; }
  static KOKKOS_INLINE_FUNCTION Real slope(Real x, Real) { return x > Real(0) ? Real(1) : leaky_relu_slope; }
  static KOKKOS_INLINE_FUNCTION Real slope_at_value(Real y) { return y > Real(0) ? Real(1) : leaky_relu_slope; }
};
struct Tanh {
  static KOKKOS_INLINE_FUNCTION Real value(Real x) { return kmath::tanh(x); }
  static KOKKOS_INLINE_FUNCTION Real slope(Real, Real y) { return Real(1) - y * y; }
  static KOKKOS_INLINE_FUNCTION Real slope_at_value(Real y) { return Real(1) - y * y; }
};
struct Elu {
  static KOKKOS_INLINE_FUNCTION Real value(Real x) { return x > Real(0) ? x : kmath::expm1(x > Real(0) ? Real(0) : x); }
  static KOKKOS_INLINE_FUNCTION Real slope(Real x, Real y) { return x > Real(0) ? Real(1) : y + Real(1); }
  static KOKKOS_INLINE_FUNCTION Real slope_at_value(Real y) { return y > Real(0) ? Real(1) : y + Real(1); }
};
struct Softplus {
  static KOKKOS_INLINE_FUNCTION Real value(Real x) { return stable_softplus(x); }
  static KOKKOS_INLINE_FUNCTION Real slope(Real x, Real) { return stable_sigmoid(x); }
  // σ(x) = 1 − e^{−softplus(x)}
  static KOKKOS_INLINE_FUNCTION Real slope_at_value(Real y) { return -kmath::expm1(-y); }
};

// One launch per activation, so that the loop the host vectorises has no branch on it (libmvec's
// tanh, exp, log1p: core/vector_math.hpp). Each value depends on its element only, never on how
// rows are split.
template <class Fn>
struct Forward {
  void operator()(const std::string& label, const Matrix& pre /*[B, D]*/, const Matrix& out /*[B, D]*/) const {
    for_each_element(label, pre.extent(0), pre.extent(1),
                     KOKKOS_LAMBDA(std::size_t i, std::size_t j) { out(i, j) = Fn::value(pre(i, j)); });
  }
};
template <class Fn>
struct ForwardWithBias {
  void operator()(const std::string& label, const Matrix& y /*[B, D]*/, const Vector& b /*[D]*/) const {
    for_each_element(label, y.extent(0), y.extent(1),
                     KOKKOS_LAMBDA(std::size_t i, std::size_t j) { y(i, j) = Fn::value(y(i, j) + b(j)); });
  }
};
template <class Fn>
struct Backward {
  void operator()(const std::string& label, const Matrix& pre /*[B, D]*/, const Matrix& out /*[B, D]*/,
                  const Matrix& dout /*[B, D]*/, const Matrix& dpre /*[B, D]*/) const {
    for_each_element(label, pre.extent(0), pre.extent(1), KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
      dpre(i, j) = Fn::slope(pre(i, j), out(i, j)) * dout(i, j);
    });
  }
};
template <class Fn>
struct BackwardFromOutput {
  void operator()(const std::string& label, const Matrix& out /*[B, D]*/, const Matrix& dout /*[B, D]*/,
                  const Matrix& dpre /*[B, D]*/) const {
    for_each_element(label, out.extent(0), out.extent(1), KOKKOS_LAMBDA(std::size_t i, std::size_t j) {
      dpre(i, j) = Fn::slope_at_value(out(i, j)) * dout(i, j);
    });
  }
};

// Launch<F>{}(args…) with F the activation a.
template <template <class> class Launch, class... Args>
void launch(Activation a, const Args&... args) {
  switch (a) {
    case Activation::identity: return Launch<Identity>{}(args...);
    case Activation::relu: return Launch<Relu>{}(args...);
    case Activation::leaky_relu: return Launch<LeakyRelu>{}(args...);
    case Activation::tanh: return Launch<Tanh>{}(args...);
    case Activation::elu: return Launch<Elu>{}(args...);
    case Activation::softplus: return Launch<Softplus>{}(args...);
  }
}

void require_same_shape(const Matrix& a, const Matrix& b, const char* where) {
  require(a.extent(0) == b.extent(0) && a.extent(1) == b.extent(1), std::string(where) + ": shape mismatch");
}
}  // namespace

void activation_forward(Activation a, const Matrix& pre, const Matrix& out) {
  require_same_shape(pre, out, "activation_forward");
  launch<Forward>(a, "tractable::activation_forward::" + activation_name(a), pre, out);
}

void activation_forward_with_bias(Activation a, const Matrix& y, const Vector& b) {
  require(b.extent(0) == y.extent(1), "activation_forward_with_bias: the bias has the wrong length");
  launch<ForwardWithBias>(a, "tractable::activation_forward_with_bias::" + activation_name(a), y, b);
}

void activation_backward(Activation a, const Matrix& pre, const Matrix& out, const Matrix& dout, const Matrix& dpre) {
  require_same_shape(pre, dpre, "activation_backward");
  require_same_shape(pre, dout, "activation_backward");
  launch<Backward>(a, "tractable::activation_backward::" + activation_name(a), pre, out, dout, dpre);
}

void activation_backward_from_output(Activation a, const Matrix& out, const Matrix& dout, const Matrix& dpre) {
  require_same_shape(out, dpre, "activation_backward_from_output");
  require_same_shape(out, dout, "activation_backward_from_output");
  launch<BackwardFromOutput>(a, "tractable::activation_backward_from_output::" + activation_name(a), out, dout, dpre);
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
