#pragma once
// y = x W^T + b, with the dense work in KokkosBlas::gemm (BLAS on host,
// cuBLAS/rocBLAS on GPU builds of KokkosKernels). With a connectivity mask M
// (MADE's masked linear layer) the layer computes y = x (W ⊙ M)^T + b, so
// masked weights have exactly zero effect and exactly zero gradient. With an
// activation f fused after it (an MLP's hidden layers) it computes
// y = f(x Wᵀ + b): the GEMM writes x Wᵀ and one pass adds the bias and applies
// f in place, where a bias pass, a GEMM that reads it back and an activation
// pass into another buffer did the same work.
#include "core/parameter_store.hpp"
#include "nn/activation.hpp"
#include "nn/layer.hpp"

#include <vector>

namespace tractable {

class Linear : public Layer {
 public:
  enum class Init { default_uniform, zeros };
  // Reserves "<name>.weight" [out, in] and "<name>.bias" [out]. The default
  // initialisation is U(-1/sqrt(in), 1/sqrt(in)) for both (PyTorch's);
  // Init::zeros makes the layer output zero, so a flow starts as the identity.
  Linear(ParameterStore& store, const std::string& name, std::size_t in, std::size_t out,
         Init init = Init::default_uniform);
  // Makes this a masked linear layer; `mask` is [out][in] of 0/1.
  void set_mask(const std::vector<std::vector<int>>& mask);
  // Fuses `activation` after the layer: forward returns f(x Wᵀ + b), backward and input_vjp take the
  // gradient with respect to it (f's derivative from its value: activation_backward_from_output).
  void fuse_activation(Activation activation);

  const Matrix& forward(const Matrix& x /*[B, in]*/) override;    // -> y [B, out]
  const Matrix& backward(const Matrix& dy /*[B, out]*/) override; // -> dx [B, in]; dW += dy^T x, db += sum_b dy
                                                                  // (dy through f' first when fused)
  const Matrix& input_vjp(const Matrix& dy /*[B, out]*/) override; // -> dx [B, in] = dy (W ⊙ M)
  std::size_t in_features() const override { return in_; }
  std::size_t out_features() const override { return out_; }
  std::string describe() const override;

 private:
  ParameterStore& store_;
  ParameterId weight_, bias_;
  // The weight as used: W itself, or W ⊙ M refreshed at each forward.
  Matrix effective_weight() const { return mask_.data() ? masked_weight_ : store_.matrix(weight_); }
  void announce_gradients() const;  // ParameterStore::gradient_ready for the weight and the bias
  // The gradient with respect to x Wᵀ + b: dy itself, or f'(y) ⊙ dy when an activation is fused.
  const Matrix& pre_activation_gradient(const Matrix& dy /*[B, out]*/);

  std::size_t in_, out_;
  Matrix mask_;                // [out, in] 0/1, empty when dense
  Matrix masked_weight_;       // [out, in] W ⊙ M
  Matrix weight_gradient_;     // [out, in] scratch for the masked dW
  Matrix input_;           // cached x [B, in]
  Matrix output_;          // [B, out]
  Matrix input_gradient_;  // [B, in]
  bool fused_ = false;     // an activation after the layer, in its forward pass
  Activation activation_ = Activation::identity;
  Matrix pre_gradient_;    // [B, out] f'(y) ⊙ dy, when fused
};

}  // namespace tractable
