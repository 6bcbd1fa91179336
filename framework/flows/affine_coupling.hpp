#pragma once
// Affine coupling (Dinh et al. 2017, RealNVP). With a binary mask m:
//   forward:  y = m⊙x + (1−m)⊙(x·exp(s) + t),   log|det| = Σ_j (1−m_j) s_j
//   inverse:  x = m⊙y + (1−m)⊙((y − t)·exp(−s)), log|det| = −Σ_j (1−m_j) s_j
// where (raw, t) = conditioner(m⊙x) (note m⊙x = m⊙y) and the log-scale is
// bounded, s = c·tanh(raw / c), so exp(s) ∈ [e^−c, e^c] and training cannot
// blow up through one layer. Both directions are a single parallel pass.
// The additive coupling of NICE (Dinh et al. 2015) is the case s ≡ 0: the
// conditioner then outputs only t and the map preserves volume.
#include "core/parameter_store.hpp"
#include "flows/bijector.hpp"
#include "flows/masked_conditioner.hpp"

#include <vector>

namespace tractable {

class AffineCoupling : public Bijector {
 public:
  // `mask` [D] of 0/1: entries equal to 1 pass through and condition the rest.
  // The conditioner maps D -> 2D (raw log-scales, shifts); its last layer is
  // zero-initialised so the coupling starts as the identity.
  enum class Kind { affine, additive };
  AffineCoupling(ParameterStore& store, const std::string& name, const std::vector<int>& mask,
                 const MlpShape& conditioner_shape, Real scale_bound, Kind kind = Kind::affine);

  const Matrix& forward(const Matrix& x, const Vector& logdet) override;
  const Matrix& forward_backward(const Matrix& dy, const Vector& dlogdet) override;
  const Matrix& inverse(const Matrix& y, const Vector& logdet) override;
  const Matrix& inverse_backward(const Matrix& dx, const Vector& dlogdet) override;

  std::size_t dim() const override { return dim_; }
  std::string describe() const override;
  // "mask" [D]: 1 = passes through unchanged and feeds the conditioner.
  std::vector<FixedArray> fixed_arrays() const override { return {fixed_vector("mask", conditioner_.host_mask())}; }

 private:
  // Shared by both directions: masked input -> conditioner -> bounded s, t.
  void condition(const Matrix& passthrough_source /*[B, D]*/);

  std::size_t dim_;
  Real scale_bound_;
  Kind kind_;
  std::size_t shift_column_;  // first conditioner output column holding t (D for affine, 0 for additive)
  MaskedConditioner conditioner_;
  Matrix log_scale_;           // [B, D]  bounded s (0 on masked dims)
  Matrix shift_;               // [B, D]  t (0 on masked dims)
  Matrix input_;               // [B, D]  x (forward) / cached output x (inverse)
  Matrix output_;              // [B, D]
  Matrix conditioner_grad_;    // [B, 2D] dL/d(raw, t), or [B, D] dL/dt when additive
  Matrix input_gradient_;      // [B, D]
};

}  // namespace tractable
