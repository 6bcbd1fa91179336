#pragma once
// p(x|z) of the VAE decoders, per pixel, from the decoder's output `out`:
//   bernoulli: logits ℓ,  log p = Σ_d x_d ℓ_d − softplus(ℓ_d)   (stable for any ℓ)
//   gaussian:  means m,   log p = −½ Σ_d ((x_d − m_d)² / v_d + log v_d + log 2π)
// with log v fixed or a learned parameter vector. Rows r = b·k + j of `out`
// pair with example b of x. Shared by every latent-variable model.
#include "core/parameter_store.hpp"

namespace tractable {

class DecoderLikelihood {
 public:
  enum class Kind { bernoulli, gaussian };
  // `learned`: reserves "<name>.log_variance" [D] (initialised to 0); otherwise log v = log(fixed_variance).
  DecoderLikelihood(ParameterStore& store, const std::string& name, Kind kind, std::size_t dim, bool learned,
                    double fixed_variance);

  // terms(r, 0) = log p(x_b | out_r) for every row r.
  void log_likelihood(const Matrix& x /*[B, D]*/, const Matrix& out /*[B·k, D]*/, std::size_t k,
                      const Matrix& terms /*[B·k, ≥1]*/) const;
  // d_out(r, d) = g_r ∂ log p / ∂ out(r, d), g_r = d_terms(r, 0).
  void backward(const Matrix& x, const Matrix& out, std::size_t k, const Matrix& d_terms, const Matrix& d_out) const;
  // Learned variance only: accumulates ∂/∂ log v into the store; `scratch` [B·k, D] is overwritten.
  void variance_backward(const Matrix& x, const Matrix& out, std::size_t k, const Matrix& d_terms,
                         const Matrix& scratch) const;
  // E[x|z] [N, D] from `out`: sigmoid(ℓ) or m.
  void mean(const Matrix& out, Matrix& result) const;

  bool learned_variance() const { return learned_; }
  Kind kind() const { return kind_; }
  std::string describe() const;

 private:
  Vector log_variance() const { return learned_ ? store_.vector(log_variance_) : fixed_log_variance_; }
  ParameterStore& store_;
  Kind kind_;
  bool learned_;
  ParameterId log_variance_{};
  Vector fixed_log_variance_;  // [D]
  mutable Matrix pixel_terms_;  // [B·k, D] Bernoulli per-pixel terms (scratch, reused across calls)
};

}  // namespace tractable
