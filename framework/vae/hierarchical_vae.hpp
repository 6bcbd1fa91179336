#pragma once
// A VAE with two stochastic layers (Burda et al. 2016, the "2 stochastic
// layers" rows of Table 1: 784-200-200-100(z1)-100-100-50(z2)):
//   q(z1|x)  = N(μ1, σ1²) from the encoder MLP x -> [B, 2L1]     (the amortised posterior, P = 2L1)
//   q(z2|z1) = N(μ2, σ2²) from an MLP z1 -> [R, 2L2]
//   p(z2)    = N(0, I)
//   p(z1|z2) = N(μp, σp²) from an MLP z2 -> [R, 2L1]
//   p(x|z1)  from the decoder MLP z1 -> [R, D] (Bernoulli or Gaussian)
// Per sample (rows r = b·k + j; noise [R, L1 + L2] = (ε1 | ε2)):
//   z1 = μ1_b + σ1_b ε1,  z2 = μ2(z1) + σ2(z1) ε2,
//   log w = log p(x|z1) + [log p(z1|z2) + log p(z2)] − [log q(z1|x) + log q(z2|z1)],
// the three bracketed groups being the three terms of the LatentVariableModel
// contract. The backward is exact (all paths through z1 and z2 included).
#include "core/parameter_store.hpp"
#include "vae/bernoulli_decoder.hpp"
#include "vae/decoder.hpp"
#include "vae/latent_variable_model.hpp"
#include "nn/network.hpp"

#include <memory>

namespace tractable {

struct HierarchicalVaeShape {
  std::size_t data_dim = 0;
  std::size_t latent1 = 100, latent2 = 50;
  NetworkFactory network = mlp_network(200, 2, Activation::tanh);        // x <-> z1 (nn/network.hpp)
  NetworkFactory upper_network = mlp_network(100, 2, Activation::tanh);  // z1 <-> z2
  DecoderFactory decoder = bernoulli_decoder();  // p(x|z1) (vae/decoder.hpp)
};

class HierarchicalVae : public LatentVariableModel {
 public:
  HierarchicalVae(ParameterStore& store, const HierarchicalVaeShape& shape);

  const Matrix& encode(const Matrix& x) override;
  void encode_backward(const Matrix& d_posterior) override;
  const Matrix& log_weight_terms(const Matrix& x, const Matrix& posterior, const Matrix& eps, std::size_t k) override;
  const Matrix& log_weight_terms_backward(const Matrix& d_terms, bool freeze = false) override;
  HostMatrix sample_means(RandomStream& stream, std::size_t n) override;
  HostMatrix decode(const Matrix& z) override;
  HostMatrix reconstruct(const Matrix& x, std::vector<double>* log_likelihood = nullptr) override;

  // The upper layer's networks on given latents (bits-back coding, compression/bits_back.hpp):
  // q(z2|z1) as (μ2 | log σ2²) [N, 2L2] and p(z1|z2) as (μp | log σp²) [N, 2L1].
  HostMatrix upper_posterior(const Matrix& z1 /*[N, L1]*/);
  HostMatrix conditional_prior(const Matrix& z2 /*[N, L2]*/);
  std::size_t upper_latent() const { return shape_.latent2; }

  std::size_t data_dim() const override { return shape_.data_dim; }
  std::size_t noise_width() const override { return shape_.latent1 + shape_.latent2; }
  std::size_t posterior_width() const override { return 2 * shape_.latent1; }
  std::size_t latent() const override { return shape_.latent1; }
  bool has_closed_form_kl() const override { return false; }
  std::string describe() const override;

 private:
  HierarchicalVaeShape shape_;
  std::unique_ptr<Layer> encoder_, upper_encoder_, upper_decoder_, decoder_;  // q(z1|x), q(z2|z1), p(z1|z2), p(x|z1)
  std::unique_ptr<Decoder> likelihood_;
  Matrix x_, posterior_, eps_;
  std::size_t k_ = 1;
  Matrix z1_, z2_;              // [R, L1], [R, L2]
  Matrix q2_, p1_, out_;        // copies of [R, 2L2], [R, 2L1], [R, D] network outputs
  Matrix terms_;                // [R, 3]
  Matrix d_out_, d_p1_, d_q2_;  // [R, D], [R, 2L1], [R, 2L2]
  Matrix dz1_, dz2_;            // [R, L1], [R, L2]
  Matrix d_posterior_;          // [B, 2L1]
  Matrix mean_;
};

}  // namespace tractable
