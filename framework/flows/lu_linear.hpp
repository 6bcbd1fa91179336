#pragma once
// A learnable invertible linear map in LU form (Kingma & Dhariwal 2018):
//   W = P · L · U,  L unit lower-triangular, U upper-triangular with diagonal
//   exp(s), P a fixed permutation;  forward y = x Wᵀ + b,  log|det| = Σ s;
//   inverse x = (y − b) W^{-T},  log|det| = −Σ s.
// Both directions are one parallel pass (two triangular solves build W^{-1}
// once per call, O(D³), then a gemm). Gradients reach L, U and s by the chain
// rule through W = P L U.
#include "core/parameter_store.hpp"
#include "flows/bijector.hpp"

#include <vector>

namespace tractable {

class LuLinear : public Bijector {
 public:
  LuLinear(ParameterStore& store, const std::string& name, std::size_t dim, std::uint64_t permutation_seed);

  const Matrix& forward(const Matrix& x, const Vector& logdet) override;
  const Matrix& forward_backward(const Matrix& dy, const Vector& dlogdet) override;
  const Matrix& inverse(const Matrix& y, const Vector& logdet) override;
  const Matrix& inverse_backward(const Matrix& dx, const Vector& dlogdet) override;

  std::size_t dim() const override { return dim_; }
  std::string describe() const override { return "LuLinear(" + std::to_string(dim_) + ")"; }
  // "permutation" [D]: W(a, b) = (L U)(permutation[a], b).
  std::vector<FixedArray> fixed_arrays() const override;

 public:
  // Kernel launchers, public only because nvcc refuses a device lambda inside a private or protected
  // member function (tests/lint/kokkos_lint.py); not part of the interface.
  void build_weight();                      // L_, U_, W_ from the parameters
  void build_inverse();                     // V_ = W^{-1}
  void add_logdet(const Vector& logdet, Real sign);
  // dW [D, D] -> gradients of lower, upper, log_diag.
  void backpropagate_weight(const Matrix& dW);
  void add_log_diag_gradient(const Vector& dlogdet, Real sign);

 private:
  ParameterStore& store_;
  ParameterId lower_, upper_, log_diag_, bias_;
  std::size_t dim_;
  IndexVector perm_;                 // [D] (P M)(a, b) = M(perm[a], b)
  Matrix L_, U_, M_, W_, V_;         // [D, D]
  Matrix dM_, dL_, dU_, scratch_;    // [D, D]
  Matrix input_, centered_, output_, input_gradient_;  // [B, D]
};

}  // namespace tractable
