#pragma once
// A variational autoencoder (Kingma & Welling 2014) with one stochastic layer:
//   encoder MLP: x [B, D] -> posterior [B, 2L] = (μ | log σ²) of q(z|x) = N(μ, diag σ²)
//   decoder MLP: z [R, L] -> per-pixel parameters [R, D]:
//     bernoulli: logits ℓ, log p(x|z) = Σ_d x_d ℓ_d − softplus(ℓ_d)
//     gaussian:  means m,  log p(x|z) = −½ Σ_d ((x_d − m_d)² / v_d + log v_d + log 2π)
//                with v fixed, or learned per pixel ("decoder.log_variance" [D])
//   prior p(z) = N(0, I).
// Optionally q is richer: z0 ~ N(μ, σ²) goes through an inverse
// autoregressive flow conditioned on a context h the encoder also emits
// (models/iaf_posterior.hpp); the posterior is then [B, 2L + C] = (μ | log σ² | h).
// For k samples per example (rows r = b·k + j, reparameterised
// z_r = μ_b + σ_b ⊙ ε_r) it computes the three terms of every log importance
// weight  log w_r = log p(x_b|z_r) + log p(z_r) − log q(z_r|x_b),  and, given
// the gradient of any objective with respect to those terms, the exact
// backward to the decoder's parameters and to the posterior (μ, log σ²). The
// objectives (ELBO, IWAE) and the per-datapoint posterior optimisation of the
// amortisation-gap measurement are all built on that one pair.
#include "core/parameter_store.hpp"
#include "models/iaf_posterior.hpp"
#include "nn/mlp.hpp"

#include <memory>

namespace tractable {

struct VaeShape {
  std::size_t data_dim = 0;
  std::size_t latent = 50;
  std::size_t hidden = 200;  // width of every hidden layer, encoder and decoder
  std::size_t depth = 2;     // hidden layers of each MLP
  Activation activation = Activation::tanh;
  enum class Decoder { bernoulli, gaussian } decoder = Decoder::bernoulli;
  bool learned_variance = false;  // gaussian: learn log v per pixel
  double fixed_variance = 1.0;    // gaussian with a fixed variance: v
  // IAF posterior: steps = 0 is the plain diagonal Gaussian.
  std::size_t iaf_steps = 0, iaf_context = 0, iaf_hidden = 0, iaf_depth = 1;
};

class VariationalAutoencoder {
 public:
  // Columns of the log-weight terms.
  enum Term : std::size_t { log_likelihood = 0, log_prior = 1, log_posterior = 2 };

  VariationalAutoencoder(ParameterStore& store, const VaeShape& shape);

  // x [B, D] -> posterior [B, P] = (μ | log σ² [| h]), P = posterior_width(). Valid until the next encode.
  const Matrix& encode(const Matrix& x);
  // d posterior [B, P] -> encoder parameter gradients (accumulated).
  void encode_backward(const Matrix& d_posterior);

  // Terms [B·k, 3] of log w for the k noise rows per example in eps [B·k, L].
  // The posterior may come from encode() or be free variables.
  const Matrix& log_weight_terms(const Matrix& x /*[B, D]*/, const Matrix& posterior /*[B, P]*/,
                                 const Matrix& eps /*[B·k, L]*/, std::size_t k);
  // Given d(objective)/d(terms) [B·k, 3] for the last log_weight_terms call:
  // accumulates the decoder's parameter gradients (unless frozen) and returns
  // d(objective)/d(posterior) [B, P].
  const Matrix& log_weight_terms_backward(const Matrix& d_terms /*[B·k, 3]*/, bool freeze_decoder = false);

  // The decoder inputs z_r [B·k, L] of the last log_weight_terms call (after the flow, if any).
  const Matrix& latent_samples() const { return z_; }

  // z [N, L] -> E[x|z] [N, D]: sigmoid(ℓ) or the Gaussian mean.
  const Matrix& decode_mean(const Matrix& z);

  const VaeShape& shape() const { return shape_; }
  std::size_t latent() const { return shape_.latent; }
  std::size_t data_dim() const { return shape_.data_dim; }
  std::size_t posterior_width() const { return 2 * shape_.latent + (iaf_ ? shape_.iaf_context : 0); }
  bool has_flow_posterior() const { return iaf_ != nullptr; }
  std::string describe() const;

 private:
  ParameterStore& store_;
  VaeShape shape_;
  std::unique_ptr<Mlp> encoder_, decoder_;
  std::unique_ptr<IafPosterior> iaf_;
  ParameterId log_variance_{};  // gaussian with learned variance
  // Caches of the last log_weight_terms call.
  Matrix x_, posterior_, eps_;
  std::size_t k_ = 1;
  Matrix z0_;                 // [B·k, L] reparameterised base sample
  Matrix z_;                  // [B·k, L] the posterior sample fed to the decoder (z0 without a flow)
  Matrix context_;            // [B, C] h, contiguous
  Matrix d_context_;          // [B, C]
  Vector flow_logdet_, d_flow_logdet_;  // [B·k]
  Matrix dz_total_;           // [B·k, L]
  Matrix terms_;              // [B·k, 3]
  Matrix decoder_output_;     // [B·k, D] (a view of the decoder's buffer)
  Matrix d_decoder_output_;   // [B·k, D]
  Matrix d_posterior_;        // [B, 2L]
  Matrix mean_;               // [N, D]
  Vector fixed_log_variance_; // [D] when the variance is fixed
  Vector log_variance() const { return shape_.learned_variance ? store_.vector(log_variance_) : fixed_log_variance_; }
};

}  // namespace tractable
