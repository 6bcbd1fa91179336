#pragma once
// Activation normalisation (Kingma & Dhariwal 2018, Glow), per coordinate:
//   forward:  y = (x − b) ⊙ exp(−s),  log|det| = −Σ s
//   inverse:  x = y ⊙ exp(s) + b,     log|det| = +Σ s
// Both parallel. Before training, b and s are set from the *global* first
// batch (sums reduced over all ranks), so every coordinate of y starts with
// zero mean and unit variance whatever the number of ranks. The values are
// ordinary parameters afterwards: trained, checkpointed, restored.
#include "core/parameter_store.hpp"
#include "flows/bijector.hpp"

namespace tractable {

class ActNorm : public Bijector {
 public:
  // data_dependent_init = false gives a plain learnable elementwise affine map
  // (the learnable diagonal Gaussian base is this at the end of the chain).
  ActNorm(ParameterStore& store, const std::string& name, std::size_t dim, bool data_dependent_init = true);

  const Matrix& forward(const Matrix& x, const Vector& logdet) override;
  const Matrix& forward_backward(const Matrix& dy, const Vector& dlogdet) override;
  const Matrix& inverse(const Matrix& y, const Vector& logdet) override;
  const Matrix& inverse_backward(const Matrix& dx, const Vector& dlogdet) override;
  void initialize_from_data(const Matrix& x, const BatchReducer& ranks) override;

  std::size_t dim() const override { return dim_; }
  std::string describe() const override {
    return (data_dependent_init_ ? "ActNorm(" : "ElementwiseAffine(") + std::to_string(dim_) + ")";
  }

 private:
  ParameterStore& store_;
  ParameterId shift_, log_scale_;  // b [D], s [D]
  std::size_t dim_;
  bool data_dependent_init_;
  Matrix input_, output_, input_gradient_;  // [B, D]
};

}  // namespace tractable
