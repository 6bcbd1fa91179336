#pragma once
// A learnable mixture of K diagonal Gaussians as a flow's base distribution:
//   p_Z(z) = Σ_k softmax(logits)_k Π_d N(z_d; μ_kd, exp(2 s_kd)).
// Density and its gradients (in z and in every parameter) are exact, so it
// trains by maximum likelihood; sampling picks a component, which is not
// differentiable in the weights, so reverse-KL specs refuse this base.
#include "core/parameter_store.hpp"
#include "distributions/bases/base_distribution.hpp"

namespace tractable {

class GaussianMixtureBase : public BaseDistribution {
 public:
  GaussianMixtureBase(ParameterStore& store, const std::string& name, std::size_t dim, std::size_t components);

  void log_prob(const Matrix& z, const Vector& out, bool accumulate) override;
  void log_prob_backward(const Matrix& z, const Vector& dlogp, const Matrix& dz) override;
  void sample(RandomStream& stream, const Matrix& z) override;
  bool reparameterizable() const override { return false; }
  std::string describe() const override;

 public:
  // Kernel launchers, public only because nvcc refuses a device lambda inside a private or protected
  // member function (tests/lint/kokkos_lint.py); not part of the interface.
  void responsibilities(const Matrix& z);  // log_joint_ [B, K] and log_norm_ [B]

 private:
  ParameterStore& store_;
  ParameterId logits_, means_, log_scales_;  // [K], [K, D], [K, D]
  std::size_t dim_, components_;
  Matrix log_joint_;  // [B, K] log π_k + log N_k(z)
  Vector log_norm_;   // [B]
  Vector logit_sums_;  // [K + 1]: Σ_i dlogp_i r_ik per component, then Σ_i dlogp_i
  Matrix noise_;      // [B, D + 1] scratch for sampling
};

}  // namespace tractable
