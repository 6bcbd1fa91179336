#pragma once
#include <vector>
// What the VAE objectives (ELBO, IWAE) and their evaluation need from a
// latent-variable model with an amortised posterior: for k reparameterised
// samples per example, the three terms of each log importance weight
//   log w = log p(x|z) + log p(z) − log q(z|x)      (terms [B·k, 3], in that order)
// and, given d(objective)/d(terms), the exact backward to the parameters and
// to the posterior's per-example parameters. The posterior's parameters are
// what the encoder emits, [B, P]; they can also be optimised directly (the
// amortisation gap). Noise rows are [B·k, E] standard normals.
// Implementations: VariationalAutoencoder (one stochastic layer, optional
// IAF posterior) and HierarchicalVae (two stochastic layers).
#include "core/random.hpp"
#include "core/types.hpp"

#include <string>

namespace tractable {

class LatentVariableModel {
 public:
  virtual ~LatentVariableModel() = default;

  // x [B, D] -> posterior parameters [B, P]. Valid until the next encode.
  virtual const Matrix& encode(const Matrix& x) = 0;
  // d posterior [B, P] -> encoder parameter gradients (accumulated).
  virtual void encode_backward(const Matrix& d_posterior) = 0;
  // Terms [B·k, 3] of log w for the k noise rows per example (rows r = b·k + j).
  virtual const Matrix& log_weight_terms(const Matrix& x /*[B, D]*/, const Matrix& posterior /*[B, P]*/,
                                         const Matrix& eps /*[B·k, E]*/, std::size_t k) = 0;
  // d(objective)/d(terms) [B·k, 3] of the last call -> d(objective)/d(posterior) [B, P]; the generative
  // side's parameter gradients (decoder, prior layers, posterior flow) accumulate unless frozen.
  virtual const Matrix& log_weight_terms_backward(const Matrix& d_terms /*[B·k, 3]*/, bool freeze = false) = 0;

  // Decoder means E[x|z] for n draws from the prior (ancestral: the top layer first). -> [n, D]
  virtual HostMatrix sample_means(RandomStream& stream, std::size_t n) = 0;
  // Decoder means at ε = 0: x -> q's central latent -> E[x|z]. -> [n, D]. With `log_likelihood`,
  // also log p(x|z) at that latent per row [n], through the decoder likelihood training uses.
  // E[x|z] [N, D] for latent points z [N, latent()] (z1 with two stochastic layers).
  virtual HostMatrix decode(const Matrix& z /*[N, L]*/) = 0;
  virtual HostMatrix reconstruct(const Matrix& x /*[n, D]*/, std::vector<double>* log_likelihood = nullptr) = 0;

  virtual std::size_t data_dim() const = 0;
  virtual std::size_t noise_width() const = 0;      // E
  virtual std::size_t posterior_width() const = 0;  // P
  // The first stochastic layer's width L; posterior columns [0, L) are its means (active units).
  virtual std::size_t latent() const = 0;
  // True when the posterior is (μ | log σ²) of a diagonal Gaussian and the prior N(0, I), so the KL
  // has a closed form (the analytic-KL ELBO).
  virtual bool has_closed_form_kl() const = 0;
  virtual std::string describe() const = 0;
};

}  // namespace tractable
