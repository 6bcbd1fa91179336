#include "nn/linear.hpp"
#include "core/batch_parallel.hpp"
#include "core/column_sums.hpp"

#include "core/error.hpp"

#include "core/gemm.hpp"

#include <cmath>

namespace tractable {

Linear::Linear(ParameterStore& store, const std::string& name, std::size_t in, std::size_t out, Init init)
    : store_(store), in_(in), out_(out) {
  require(in > 0 && out > 0, "Linear '" + name + "' needs positive sizes");
  const Initializer fill = init == Init::zeros ? Initializer::zeros()
                                               : Initializer::uniform(Real(1) / std::sqrt(Real(in)));
  weight_ = store.reserve(name + ".weight", {out, in}, fill);
  bias_ = store.reserve(name + ".bias", {out}, fill);
}

void Linear::set_mask(const std::vector<std::vector<int>>& mask) {
  require(mask.size() == out_, "Linear::set_mask: mask has the wrong number of rows");
  mask_ = Matrix("tractable::Linear::mask", out_, in_);
  auto host = Kokkos::create_mirror_view(mask_);
  for (std::size_t o = 0; o < out_; ++o) {
    require(mask[o].size() == in_, "Linear::set_mask: mask has the wrong number of columns");
    for (std::size_t i = 0; i < in_; ++i) host(o, i) = mask[o][i] ? Real(1) : Real(0);
  }
  Kokkos::deep_copy(mask_, host);
  masked_weight_ = Matrix("tractable::Linear::masked_weight", out_, in_);
  weight_gradient_ = Matrix("tractable::Linear::weight_gradient", out_, in_);
}

void Linear::fuse_activation(Activation activation) {
  fused_ = true;
  activation_ = activation;
}

// The fused layer describes itself as the two layers it stands for.
std::string Linear::describe() const {
  return "Linear(" + std::to_string(in_) + " -> " + std::to_string(out_) + ")" +
         (fused_ ? ", " + activation_name(activation_) : std::string());
}

const Matrix& Linear::forward(const Matrix& x) {
  require(x.extent(1) == in_, "Linear::forward: x has " + std::to_string(x.extent(1)) + " columns, expected " +
                                  std::to_string(in_));
  input_ = x;
  const std::size_t batch = x.extent(0);
  ensure_shape(output_, batch, out_, "tractable::Linear::output");
  const Vector b = store_.vector(bias_);
  const Matrix y = output_;
  if (mask_.data()) {
    const Matrix w = store_.matrix(weight_), m = mask_, wm = masked_weight_;  // [out, in] each
    for_each_element("tractable::Linear::apply_mask", out_, in_,
                     KOKKOS_LAMBDA(std::size_t r, std::size_t c) { wm(r, c) = w(r, c) * m(r, c); });
  }
  if (fused_) {
    // x W^T, then f(· + b) in place: the epilogue.
    if (batch > 0) gemm("N", "T", Real(1), x, effective_weight(), Real(0), y);
    activation_forward_with_bias(activation_, y, b);
    return output_;
  }
  // Broadcast the bias, then accumulate x W^T on top of it (beta = 1).
  for_each_element("tractable::Linear::forward_bias", batch, out_,
                   KOKKOS_LAMBDA(std::size_t i, std::size_t j) { y(i, j) = b(j); });
  if (batch > 0) gemm("N", "T", Real(1), x, effective_weight(), Real(1), y);
  return output_;
}

const Matrix& Linear::pre_activation_gradient(const Matrix& dy) {
  if (!fused_) return dy;
  ensure_shape(pre_gradient_, dy.extent(0), out_, "tractable::Linear::pre_activation_gradient");
  activation_backward_from_output(activation_, output_, dy, pre_gradient_);
  return pre_gradient_;
}

const Matrix& Linear::backward(const Matrix& dy_out) {
  const std::size_t batch = input_.extent(0);
  require(dy_out.extent(0) == batch && dy_out.extent(1) == out_, "Linear::backward: dy shape mismatch");
  const Matrix& dy = pre_activation_gradient(dy_out);
  ensure_shape(input_gradient_, batch, in_, "tractable::Linear::input_gradient");
  if (batch == 0) {
    announce_gradients();  // every rank announces alike, with or without rows
    return input_gradient_;
  }
  if (mask_.data()) {
    // dW += (dy^T x) ⊙ M: masked weights do not act, so their gradient is zero.
    gemm("T", "N", Real(1), dy, input_, Real(0), weight_gradient_);
    const Matrix g = weight_gradient_, m = mask_, dw = store_.gradient_matrix(weight_);
    for_each_element("tractable::Linear::backward_masked_weight", out_, in_,
                     KOKKOS_LAMBDA(std::size_t r, std::size_t c) { dw(r, c) += g(r, c) * m(r, c); });
  } else {
    gemm("T", "N", Real(1), dy, input_, Real(1), store_.gradient_matrix(weight_));
  }
  accumulate_column_sums(dy, store_.gradient_vector(bias_));
  announce_gradients();  // the reduction of their bucket may start while dx is computed
  gemm("N", "N", Real(1), dy, effective_weight(), Real(0), input_gradient_);
  return input_gradient_;
}

void Linear::announce_gradients() const {
  store_.gradient_ready(weight_);
  store_.gradient_ready(bias_);
}

const Matrix& Linear::input_vjp(const Matrix& dy_out) {
  const std::size_t batch = input_.extent(0);
  require(dy_out.extent(0) == batch && dy_out.extent(1) == out_, "Linear::input_vjp: dy shape mismatch");
  ensure_shape(input_gradient_, batch, in_, "tractable::Linear::input_gradient");
  const Matrix& dy = pre_activation_gradient(dy_out);
  if (batch > 0) gemm("N", "N", Real(1), dy, effective_weight(), Real(0), input_gradient_);
  return input_gradient_;
}

}  // namespace tractable
