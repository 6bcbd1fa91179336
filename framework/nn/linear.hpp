#pragma once
// y = x W^T + b, with the dense work in KokkosBlas::gemm (BLAS on host,
// cuBLAS/rocBLAS on GPU builds of KokkosKernels).
#include "core/parameter_store.hpp"
#include "nn/layer.hpp"

namespace tractable {

class Linear : public Layer {
 public:
  enum class Init { default_uniform, zeros };
  // Reserves "<name>.weight" [out, in] and "<name>.bias" [out]. The default
  // initialisation is U(-1/sqrt(in), 1/sqrt(in)) for both (PyTorch's);
  // Init::zeros makes the layer output zero, so a flow starts as the identity.
  Linear(ParameterStore& store, const std::string& name, std::size_t in, std::size_t out,
         Init init = Init::default_uniform);

  const Matrix& forward(const Matrix& x /*[B, in]*/) override;    // -> y [B, out]
  const Matrix& backward(const Matrix& dy /*[B, out]*/) override; // -> dx [B, in]; dW += dy^T x, db += sum_b dy
  std::size_t in_features() const override { return in_; }
  std::size_t out_features() const override { return out_; }
  std::string describe() const override;

 private:
  ParameterStore& store_;
  ParameterId weight_, bias_;
  std::size_t in_, out_;
  Matrix input_;           // cached x [B, in]
  Matrix output_;          // [B, out]
  Matrix input_gradient_;  // [B, in]
};

}  // namespace tractable
