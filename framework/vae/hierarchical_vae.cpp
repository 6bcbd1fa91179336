#include "vae/hierarchical_vae.hpp"

#include "core/batch_parallel.hpp"
#include "core/error.hpp"
#include "vae/reparameterisation.hpp"

#include <sstream>

namespace tractable {

namespace {
constexpr double kLog2Pi = 1.8378770664093453;
}

HierarchicalVae::HierarchicalVae(ParameterStore& store, const HierarchicalVaeShape& shape) : shape_(shape) {
  const auto& s = shape;
  encoder_ = s.network(store, "encoder", s.data_dim, 2 * s.latent1);
  upper_encoder_ = s.upper_network(store, "encoder2", s.latent1, 2 * s.latent2);
  upper_decoder_ = s.upper_network(store, "decoder2", s.latent2, 2 * s.latent1);
  decoder_ = s.network(store, "decoder", s.latent1, s.data_dim);
  likelihood_ = s.decoder(store, "decoder", s.data_dim);
}

std::string HierarchicalVae::describe() const {
  std::ostringstream out;
  out << "VAE with two stochastic layers (D=" << shape_.data_dim << ", L1=" << shape_.latent1 << ", L2=" << shape_.latent2
      << ", q(z1|x) " << encoder_->describe() << ", q(z2|z1) " << upper_encoder_->describe() << ", p(z1|z2) "
      << upper_decoder_->describe() << ", p(x|z1) " << decoder_->describe() << ", " << likelihood_->describe() << ")";
  return out.str();
}

const Matrix& HierarchicalVae::encode(const Matrix& x) { return encoder_->forward(x); }

void HierarchicalVae::encode_backward(const Matrix& d_posterior) { encoder_->backward(d_posterior); }

const Matrix& HierarchicalVae::log_weight_terms(const Matrix& x, const Matrix& posterior, const Matrix& eps, std::size_t k) {
  const std::size_t batch = x.extent(0), rows = eps.extent(0), l1 = shape_.latent1, l2 = shape_.latent2;
  require(rows == batch * k && eps.extent(1) == l1 + l2 && posterior.extent(0) == batch && posterior.extent(1) == 2 * l1,
          "HierarchicalVae::log_weight_terms: shapes do not match");
  x_ = x;
  posterior_ = posterior;
  eps_ = eps;
  k_ = k;
  ensure_shape(z1_, rows, l1, "tractable::HierarchicalVae::z1");
  ensure_shape(z2_, rows, l2, "tractable::HierarchicalVae::z2");
  reparameterise(posterior, eps, k, z1_);  // z1 = μ1 + σ1 ε1, ε1 = eps[:, 0:L1]
  const Matrix z1 = z1_, z2 = z2_;
  q2_ = upper_encoder_->forward(z1_);  // [R, 2L2] = (μ2 | log σ2²)
  const Matrix q2 = q2_;
  for_each_element(
      "tractable::HierarchicalVae::sample_z2", rows, l2, KOKKOS_LAMBDA(const std::size_t r, const std::size_t l) {
        // z2 [R, L2] = μ2 + σ2 ⊙ ε2, ε2 = eps[:, L1:L1+L2]
        z2(r, l) = q2(r, l) + kmath::exp(Real(0.5) * q2(r, l2 + l)) * eps(r, l1 + l);
      });
  p1_ = upper_decoder_->forward(z2_);  // [R, 2L1] = (μp | log σp²)
  out_ = decoder_->forward(z1_);       // [R, D]
  ensure_shape(terms_, rows, 3, "tractable::HierarchicalVae::terms");
  const Matrix terms = terms_, p1 = p1_;
  likelihood_->log_likelihood(x, out_, k, terms);
  const Real half_log_2pi = Real(0.5 * kLog2Pi);
  // Per sample row r (of example b = r / k): sums over z1's L1 features and z2's L2.
  for_each_row("tractable::HierarchicalVae::latent_terms", rows, l1 > l2 ? l1 : l2,
               KOKKOS_LAMBDA(const std::size_t r, const RowLanes& lanes) {
                 const std::size_t b = r / k;
                 const Real log_p_z1 = lanes.sum(l1, [&](const std::size_t l) {  // log p(z1|z2)
                   const Real diff = z1(r, l) - p1(r, l), log_var = p1(r, l1 + l);
                   return -Real(0.5) * (diff * diff * kmath::exp(-log_var) + log_var) - half_log_2pi;
                 });
                 const Real log_p_z2 = lanes.sum(l2, [&](const std::size_t l) {  // log p(z2)
                   return -Real(0.5) * z2(r, l) * z2(r, l) - half_log_2pi;
                 });
                 const Real log_q_z1 = lanes.sum(l1, [&](const std::size_t l) {  // log q(z1|x)
                   return -Real(0.5) * (eps(r, l) * eps(r, l) + posterior(b, l1 + l)) - half_log_2pi;
                 });
                 const Real log_q_z2 = lanes.sum(l2, [&](const std::size_t l) {  // log q(z2|z1)
                   return -Real(0.5) * (eps(r, l1 + l) * eps(r, l1 + l) + q2(r, l2 + l)) - half_log_2pi;
                 });
                 lanes.once([&]() {
                   terms(r, 1) = log_p_z1 + log_p_z2;
                   terms(r, 2) = log_q_z1 + log_q_z2;
                 });
               });
  return terms_;
}

const Matrix& HierarchicalVae::log_weight_terms_backward(const Matrix& d_terms, bool freeze) {
  const std::size_t rows = z1_.extent(0), batch = x_.extent(0), l1 = shape_.latent1, l2 = shape_.latent2, k = k_;
  const Matrix x = x_, eps = eps_, posterior = posterior_, z1 = z1_, z2 = z2_, q2 = q2_, p1 = p1_, out = out_;
  // p(x|z1): through the decoder.
  ensure_shape(d_out_, rows, shape_.data_dim, "tractable::HierarchicalVae::d_out");
  likelihood_->backward(x, out, k, d_terms, d_out_);
  const Matrix dz1_decoder = freeze ? decoder_->input_vjp(d_out_) : decoder_->backward(d_out_);  // [R, L1]
  if (!freeze) likelihood_->parameter_backward(x, out, k, d_terms, d_out_);
  ensure_shape(dz1_, rows, l1, "tractable::HierarchicalVae::dz1");
  ensure_shape(d_p1_, rows, 2 * l1, "tractable::HierarchicalVae::d_p1");
  const Matrix dz1 = dz1_, d_p1 = d_p1_;
  for_each_element(
      "tractable::HierarchicalVae::conditional_prior_backward", rows, l1, KOKKOS_LAMBDA(const std::size_t r, const std::size_t l) {
        // log p(z1|z2) = −½ Σ ((z1 − μp)² / σp² + log σp²) − …, weighted by g1
        const Real g = d_terms(r, 1), diff = z1(r, l) - p1(r, l), inv_var = kmath::exp(-p1(r, l1 + l));
        d_p1(r, l) = g * diff * inv_var;
        d_p1(r, l1 + l) = g * Real(0.5) * (diff * diff * inv_var - Real(1));
        dz1(r, l) = dz1_decoder(r, l) - g * diff * inv_var;
      });
  const Matrix dz2_network = freeze ? upper_decoder_->input_vjp(d_p1_) : upper_decoder_->backward(d_p1_);  // [R, L2]
  ensure_shape(d_q2_, rows, 2 * l2, "tractable::HierarchicalVae::d_q2");
  const Matrix d_q2 = d_q2_;
  for_each_element(
      "tractable::HierarchicalVae::z2_backward", rows, l2, KOKKOS_LAMBDA(const std::size_t r, const std::size_t l) {
        // dz2 = through p(z1|z2) − g1 z2 (log p(z2)); z2 = μ2 + σ2 ε2; log q(z2|z1) depends directly on −½ log σ2² only
        const Real dz2 = dz2_network(r, l) - d_terms(r, 1) * z2(r, l);
        d_q2(r, l) = dz2;
        d_q2(r, l2 + l) = dz2 * eps(r, l1 + l) * Real(0.5) * kmath::exp(Real(0.5) * q2(r, l2 + l)) - Real(0.5) * d_terms(r, 2);
      });
  const Matrix dz1_upper = freeze ? upper_encoder_->input_vjp(d_q2_) : upper_encoder_->backward(d_q2_);  // [R, L1]
  for_each_element(
      "tractable::HierarchicalVae::z1_total", rows, l1,
      KOKKOS_LAMBDA(const std::size_t r, const std::size_t l) { dz1(r, l) += dz1_upper(r, l); });  // both paths into z1
  ensure_shape(d_posterior_, batch, 2 * l1, "tractable::HierarchicalVae::d_posterior");
  reparameterise_backward(posterior, eps, k, dz1_, d_terms, d_posterior_);
  return d_posterior_;
}

HostMatrix HierarchicalVae::upper_posterior(const Matrix& z1) {
  require(z1.extent(1) == shape_.latent1, "HierarchicalVae::upper_posterior: z1 has the wrong width");
  return Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), upper_encoder_->forward(z1));
}

HostMatrix HierarchicalVae::conditional_prior(const Matrix& z2) {
  require(z2.extent(1) == shape_.latent2, "HierarchicalVae::conditional_prior: z2 has the wrong width");
  return Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), upper_decoder_->forward(z2));
}

HostMatrix HierarchicalVae::decode(const Matrix& z1) {
  require(z1.extent(1) == shape_.latent1, "HierarchicalVae::decode: z1 has the wrong width");
  likelihood_->mean(decoder_->forward(z1), mean_);
  return Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), mean_);
}

HostMatrix HierarchicalVae::sample_means(RandomStream& stream, std::size_t n) {
  // Ancestral: z2 ~ N(0, I), z1 ~ p(z1|z2), then E[x|z1].
  const std::size_t l1 = shape_.latent1;
  Matrix z2("tractable::HierarchicalVae::prior_z2", n, shape_.latent2), noise("tractable::HierarchicalVae::prior_noise", n, l1);
  stream.fill_normal(z2);
  stream.fill_normal(noise);
  const Matrix p1 = upper_decoder_->forward(z2);
  Matrix z1("tractable::HierarchicalVae::prior_z1", n, l1);
  for_each_element(
      "tractable::HierarchicalVae::prior_z1", n, l1, KOKKOS_LAMBDA(const std::size_t r, const std::size_t l) {
        z1(r, l) = p1(r, l) + kmath::exp(Real(0.5) * p1(r, l1 + l)) * noise(r, l);
      });
  likelihood_->mean(decoder_->forward(z1), mean_);
  return Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), mean_);
}

HostMatrix HierarchicalVae::reconstruct(const Matrix& x, std::vector<double>* log_likelihood) {
  // z1 = μ1(x), the mean of q(z1|x); p(x|z1) does not involve z2.
  const std::size_t n = x.extent(0), l1 = shape_.latent1;
  const Matrix posterior = encode(x);
  Matrix z1("tractable::HierarchicalVae::reconstruct::z1", n, l1);
  Kokkos::deep_copy(z1, Kokkos::subview(posterior, Kokkos::ALL(), std::make_pair(std::size_t(0), l1)));
  const Matrix& out = decoder_->forward(z1);
  if (log_likelihood) {
    Matrix terms("tractable::HierarchicalVae::reconstruct::terms", n, 1);
    likelihood_->log_likelihood(x, out, 1, terms);
    const auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), terms);
    log_likelihood->resize(n);
    for (std::size_t i = 0; i < n; ++i) (*log_likelihood)[i] = double(host(i, 0));
  }
  likelihood_->mean(out, mean_);
  return Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), mean_);
}

}  // namespace tractable
