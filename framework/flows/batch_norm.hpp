#pragma once
// Batch normalisation as a bijector (Dinh et al. 2017, RealNVP), per coordinate:
//   y = (x − μ) / √(σ² + ε) · exp(γ) + β,   log|det| = Σ_j (γ_j − ½ log(σ_j² + ε)).
// Training mode: μ, σ² are the statistics of the *global* batch (sums reduced
// over all ranks, so N ranks equal one rank), gradients flow through them (one
// extra all-reduce of 2D + 1 sums per layer in the backward), and running
// averages are updated (kept in the checkpoint as buffers). Evaluation mode:
// the running averages, and the map is an elementwise affine bijection in
// both directions. The inverse needs evaluation mode (sampling with batch
// statistics has no meaning), so reverse-KL specs refuse this layer.
#include "core/parameter_store.hpp"
#include "flows/bijector.hpp"

namespace tractable {

class BatchNorm : public Bijector {
 public:
  BatchNorm(ParameterStore& store, const std::string& name, std::size_t dim, const BatchReducer& ranks, Real momentum,
            Real eps);

  const Matrix& forward(const Matrix& x, const Vector& logdet) override;
  const Matrix& forward_backward(const Matrix& dy, const Vector& dlogdet) override;
  const Matrix& inverse(const Matrix& y, const Vector& logdet) override;
  const Matrix& inverse_backward(const Matrix& dx, const Vector& dlogdet) override;
  void set_training(bool training) override { training_ = training; }

  std::size_t dim() const override { return dim_; }
  const char* context_refusal() const override {
    return "batch statistics mix the rows of a batch, so a row's density would depend on the other rows' contexts; use actnorm";
  }
  std::string describe() const override { return "BatchNorm(" + std::to_string(dim_) + ")"; }

 private:
  ParameterStore& store_;
  const BatchReducer& ranks_;  // sums the batch statistics over ranks
  ParameterId log_gamma_, beta_;          // parameters [D]
  ParameterId running_mean_, running_var_;  // buffers [D]
  std::size_t dim_;
  Real momentum_, eps_;
  bool training_ = true;
  bool used_batch_statistics_ = false;  // how the last forward was computed
  Vector mean_, var_;                   // [D] statistics the last call used
  Vector sums_;                         // [2D + 1] reduction scratch
  Matrix input_, normalized_, output_, input_gradient_;  // [B, D]
};

}  // namespace tractable
