#pragma once
// A coupling layer (Dinh et al. 2015, 2017; Durkan et al. 2019, NSF-C) over any
// elementwise transform f (flows/elementwise_transform.hpp). With a binary mask m:
//   forward:  y = m⊙x + (1−m)⊙f(x; θ),      log|det| = Σ_j (1−m_j) log f'(x_j)
//   inverse:  x = m⊙y + (1−m)⊙f^{-1}(y; θ), log|det| = −Σ_j (1−m_j) log f'(x_j)
// where θ = conditioner(m⊙x) (note m⊙x = m⊙y), P parameter blocks of D columns.
// Both directions are one parallel pass. RealNVP is Coupling<AffineTransform>,
// NICE the same with the additive transform, NSF-C Coupling<SplineTransform>.
// Conditional: θ = conditioner(m⊙x, h) for the flow's embedded context h.
#include "core/parameter_store.hpp"
#include "flows/bijector.hpp"
#include "flows/elementwise_transform.hpp"
#include "flows/masked_conditioner.hpp"

#include <string>
#include <vector>

namespace tractable {

template <class Transform>
class Coupling : public Bijector {
 public:
  // `mask` [D] of 0/1: entries equal to 1 pass through and condition the rest.
  // The conditioner maps D -> P·D; its last layer is zero-initialised, and
  // every transform is the identity at θ = 0, so the layer starts as the identity.
  Coupling(ParameterStore& store, const std::string& name, const std::vector<int>& mask,
           const MlpShape& conditioner_shape, const Transform& transform, std::size_t context_features = 0);

  const Matrix& forward(const Matrix& x, const Vector& logdet) override;
  const Matrix& forward_backward(const Matrix& dy, const Vector& dlogdet) override;
  const Matrix& inverse(const Matrix& y, const Vector& logdet) override;
  const Matrix& inverse_backward(const Matrix& dx, const Vector& dlogdet) override;

  std::size_t context_features() const override { return conditioner_.context_features(); }
  void set_context(const Matrix& h, const Matrix& dh) override {
    context_ = h;
    context_gradient_ = dh;
  }
  std::size_t dim() const override { return dim_; }
  std::string describe() const override;
  // "mask" [D]: 1 = passes through unchanged and feeds the conditioner.
  std::vector<FixedArray> fixed_arrays() const override { return {fixed_vector("mask", conditioner_.host_mask())}; }

 public:
  // Kernel launchers, public only because nvcc refuses a device lambda inside a private or protected
  // member function (tests/lint/kokkos_lint.py); not part of the interface.
  // One kernel body for both directions: h = f (forward) or f^{-1} (inverse).
  template <bool Inverted>
  const Matrix& apply(const Matrix& in /*[B, D]*/, const Vector& logdet /*[B]*/);
  template <bool Inverted>
  const Matrix& backward(const Matrix& dout /*[B, D]*/, const Vector& dlogdet /*[B]*/);

 private:
  std::size_t dim_;
  Transform transform_;
  MaskedConditioner conditioner_;
  bool inverted_ = false;    // direction of the last call: f (forward) or f^{-1} (inverse)
  Matrix raw_;               // [B, P·D] θ: the conditioner output, prepared (flows/elementwise_transform.hpp)
  Matrix prepared_;          // [B, P·D] storage for θ when the transform prepares its parameters
  Matrix input_, output_;    // [B, D] of the last call
  Matrix conditioner_grad_;  // [B, P·D]
  Matrix input_gradient_;    // [B, D]
  Matrix context_, context_gradient_;  // [B, E] (E = 0: unconditional)
  // The columns with mask 1 (copied) and 0 (transformed): kernels visit only the columns whose work
  // they do, so no lane of a vector or a warp evaluates a transform that is then thrown away.
  IndexVector passed_, transformed_;  // [D1], [D0], D1 + D0 = D
};

}  // namespace tractable
