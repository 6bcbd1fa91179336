#pragma once
// bernoulli_glm and bernoulli_glm_raw (sbibm): a generalised linear model of
// a neuron's spikes. θ = (offset, 9-tap stimulus filter) ∈ R¹⁰ with the
// Gaussian prior N(0, P⁻¹), P = diag(0.5, FᵀF), F = D² + diag(√(k/9)), k = 0..8,
// D the 9×9 first-difference matrix (a smoothness prior on the filter).
// y_t ~ Bernoulli(σ(ψ_t)), ψ = V θ, t = 0..99, with V [100, 10] the design
// matrix: a column of ones, then the stimulus I (sbibm's RandomState(42)
// white noise, rounded to float32) delayed by 0..8 steps. bernoulli_glm
// observes x = Vᵀ y (the spike count and the spike-triggered sums: sbibm's
// summary, the sufficient statistic); bernoulli_glm_raw observes y. Both have
// the same posterior, and log p = θᵀ Vᵀ y − Σ_t log(1 + e^{ψ_t}) in both (for
// the summary, every x comes from one y almost surely: the stimulus is real).
#include "sbi/simulators.hpp"

#include <array>

namespace tractable {

class BernoulliGlm : public Simulator {
 public:
  explicit BernoulliGlm(bool raw);
  std::string name() const override { return raw_ ? "bernoulli_glm_raw" : "bernoulli_glm"; }
  std::size_t parameter_dim() const override { return kParameters; }
  std::size_t observation_dim() const override { return raw_ ? kSteps : kParameters; }
  void sample_prior(RandomStream& r, double* theta) const override;
  double log_prior(const double* theta) const override;
  void simulate(RandomStream& r, const double* theta, double* x) const override;
  double log_likelihood(const double* theta, const double* x) const override;
  std::size_t draws_per_row() const override { return 128; }  // 10 normals and 100 uniforms

  static constexpr std::size_t kSteps = 100, kParameters = 10;
  // The stimulus I [100] and design matrix V [100, 10], row-major, as sbibm ships them.
  static const std::array<double, kSteps>& stimulus();
  static const std::array<double, kSteps * kParameters>& design_matrix();

 private:
  bool raw_;
};

}  // namespace tractable
