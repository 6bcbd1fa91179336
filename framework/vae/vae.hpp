#pragma once
// A variational autoencoder (Kingma & Welling 2014) with one stochastic layer:
//   encoder MLP: x [B, D] -> posterior [B, 2L] = (μ | log σ²) of q(z|x) = N(μ, diag σ²)
//   decoder MLP: z [R, L] -> per-pixel parameters [R, D] of p(x|z)
//                (vae/decoder.hpp: Bernoulli, Gaussian with fixed or
//                learned variance, or any registered decoder)
//   prior p(z) = N(0, I).
// Optionally q is richer: z0 ~ N(μ, σ²) goes through an inverse
// autoregressive flow conditioned on a context h the encoder also emits
// (vae/iaf_posterior.hpp); the posterior is then [B, 2L + C] = (μ | log σ² | h).
// For k samples per example (rows r = b·k + j, z0_r = μ_b + σ_b ⊙ ε_r) it
// computes the terms of every log importance weight and their exact backward
// (the LatentVariableModel contract).
#include "core/parameter_store.hpp"
#include "vae/bernoulli_decoder.hpp"
#include "vae/decoder.hpp"
#include "vae/iaf_posterior.hpp"
#include "vae/latent_variable_model.hpp"
#include "nn/network.hpp"

#include <memory>

namespace tractable {

struct VaeShape {
  std::size_t data_dim = 0;
  std::size_t latent = 50;
  // The encoder x -> [μ, log σ², h] and the decoder z -> p(x|z)'s parameters (nn/network.hpp).
  NetworkFactory network = mlp_network(200, 2, Activation::tanh);
  DecoderFactory decoder = bernoulli_decoder();  // p(x|z) (vae/decoder.hpp)
  // IAF posterior: steps = 0 is the plain diagonal Gaussian.
  std::size_t iaf_steps = 0, iaf_context = 0, iaf_hidden = 0, iaf_depth = 1;
};

class VariationalAutoencoder : public LatentVariableModel {
 public:
  VariationalAutoencoder(ParameterStore& store, const VaeShape& shape);

  const Matrix& encode(const Matrix& x) override;
  void encode_backward(const Matrix& d_posterior) override;
  const Matrix& log_weight_terms(const Matrix& x, const Matrix& posterior, const Matrix& eps, std::size_t k) override;
  const Matrix& log_weight_terms_backward(const Matrix& d_terms, bool freeze = false) override;
  HostMatrix sample_means(RandomStream& stream, std::size_t n) override;
  HostMatrix decode(const Matrix& z) override;
  HostMatrix reconstruct(const Matrix& x, std::vector<double>* log_likelihood = nullptr) override;

  std::size_t data_dim() const override { return shape_.data_dim; }
  std::size_t noise_width() const override { return shape_.latent; }
  std::size_t posterior_width() const override { return 2 * shape_.latent + (iaf_ ? shape_.iaf_context : 0); }
  std::size_t latent() const override { return shape_.latent; }
  bool has_closed_form_kl() const override { return iaf_ == nullptr; }
  std::string describe() const override;
  const VaeShape& shape() const { return shape_; }

 private:
  const Matrix& decode_mean(const Matrix& z /*[N, L]*/);  // -> [N, D]
  VaeShape shape_;
  std::unique_ptr<Layer> encoder_, decoder_;
  std::unique_ptr<Decoder> likelihood_;
  std::unique_ptr<IafPosterior> iaf_;
  // Caches of the last log_weight_terms call.
  Matrix x_, posterior_, eps_;
  std::size_t k_ = 1;
  Matrix z0_;                 // [B·k, L] reparameterised base sample
  Matrix z_;                  // [B·k, L] the sample fed to the decoder (z0 without a flow)
  Matrix context_;            // [B, C] h, contiguous
  Matrix d_context_;          // [B, C]
  Vector flow_logdet_, d_flow_logdet_;  // [B·k]
  Matrix dz_total_;           // [B·k, L]
  Matrix terms_;              // [B·k, 3]
  Matrix decoder_output_;     // [B·k, D] (a view of the decoder's buffer)
  Matrix d_decoder_output_;   // [B·k, D]
  Matrix d_posterior_;        // [B, P]
  Matrix mean_;               // [N, D]
};

}  // namespace tractable
