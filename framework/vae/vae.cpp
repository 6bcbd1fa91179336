#include "vae/vae.hpp"

#include "core/batch_parallel.hpp"
#include "core/column_blocks.hpp"
#include "core/column_sums.hpp"
#include "core/error.hpp"
#include "vae/reparameterisation.hpp"
#include "core/stable_math.hpp"

#include <cmath>
#include <sstream>

namespace tractable {

VariationalAutoencoder::VariationalAutoencoder(ParameterStore& store, const VaeShape& shape) : shape_(shape) {
  const std::size_t context = shape.iaf_steps > 0 ? shape.iaf_context : 0;
  encoder_ = shape.network(store, "encoder", shape.data_dim, 2 * shape.latent + context);
  decoder_ = shape.network(store, "decoder", shape.latent, shape.data_dim);
  likelihood_ = shape.decoder(store, "decoder", shape.data_dim);
  if (shape.iaf_steps > 0)
    iaf_ = std::make_unique<IafPosterior>(
        store, "posterior", IafPosteriorShape{shape.latent, context, shape.iaf_hidden, shape.iaf_depth, shape.iaf_steps, Activation::elu});
}

std::string VariationalAutoencoder::describe() const {
  std::ostringstream s;
  s << "VAE(D=" << shape_.data_dim << ", L=" << shape_.latent << ", encoder " << encoder_->describe() << ", decoder "
    << decoder_->describe() << ", " << likelihood_->describe() << (iaf_ ? ", " + iaf_->describe() : std::string()) << ")";
  return s.str();
}

const Matrix& VariationalAutoencoder::encode(const Matrix& x) { return encoder_->forward(x); }

void VariationalAutoencoder::encode_backward(const Matrix& d_posterior) { encoder_->backward(d_posterior); }

const Matrix& VariationalAutoencoder::log_weight_terms(const Matrix& x, const Matrix& posterior, const Matrix& eps,
                                                       std::size_t k) {
  const std::size_t batch = x.extent(0), rows = eps.extent(0), latent = shape_.latent, dim = shape_.data_dim;
  require(rows == batch * k && eps.extent(1) == latent && posterior.extent(0) == batch &&
              posterior.extent(1) == posterior_width() && x.extent(1) == dim,
          "VariationalAutoencoder::log_weight_terms: shapes do not match");
  x_ = x;
  posterior_ = posterior;
  eps_ = eps;
  k_ = k;
  ensure_shape(z0_, rows, latent, "tractable::Vae::z0");
  reparameterise(posterior, eps, k, z0_);
  ensure_shape(flow_logdet_, rows, "tractable::Vae::flow_logdet");
  fill_zero(flow_logdet_);
  if (iaf_) {
    const std::size_t ctx = shape_.iaf_context;
    ensure_shape(context_, batch, ctx, "tractable::Vae::context");
    copy_columns(posterior, 2 * latent, context_);  // h [B, C] = posterior[:, 2L:]
    z_ = iaf_->forward(z0_, context_, k, flow_logdet_);
  } else {
    z_ = z0_;
  }
  const Matrix z = z_;
  const Vector flow_logdet = flow_logdet_;
  decoder_output_ = decoder_->forward(z_);
  const Matrix out = decoder_output_;  // [R, D] logits or means
  ensure_shape(terms_, rows, 3, "tractable::Vae::terms");
  const Matrix terms = terms_;
  likelihood_->log_likelihood(x, out, k, terms);
  const Real half_latent_log_2pi = Real(0.5 * double(latent) * 1.8378770664093453);
  // Per sample row r (of example b = r / k), two sums over its latent features.
  for_each_row("tractable::Vae::latent_terms", rows, latent, KOKKOS_LAMBDA(const std::size_t r, const RowLanes& l) {
    const std::size_t b = r / k;
    const Real z2 = l.sum([&](const std::size_t j) { return z(r, j) * z(r, j); });
    // log N(μ + σε; μ, σ²) = −½|ε|² − ½ Σ log σ² − (L/2) log 2π, minus the flow's log|det| if any
    const Real log_q0 = l.sum([&](const std::size_t j) { return -Real(0.5) * (eps(r, j) * eps(r, j) + posterior(b, latent + j)); });
    l.once([&]() {
      terms(r, 1) = -Real(0.5) * z2 - half_latent_log_2pi;
      terms(r, 2) = log_q0 - half_latent_log_2pi - flow_logdet(r);
    });
  });
  return terms_;
}

const Matrix& VariationalAutoencoder::log_weight_terms_backward(const Matrix& d_terms, bool freeze_decoder) {
  const std::size_t rows = z_.extent(0), batch = x_.extent(0), latent = shape_.latent, dim = shape_.data_dim,
                    k = k_;
  const Matrix x = x_, out = decoder_output_, z = z_, eps = eps_, posterior = posterior_;
  ensure_shape(d_decoder_output_, rows, dim, "tractable::Vae::d_decoder_output");
  const Matrix d_out = d_decoder_output_;
  likelihood_->backward(x, out, k, d_terms, d_out);
  const Matrix dz = freeze_decoder ? decoder_->input_vjp(d_out) : decoder_->backward(d_out);  // [R, L]
  // d_out has been consumed: it is the scratch of the learned variance's gradient.
  if (!freeze_decoder) likelihood_->parameter_backward(x, out, k, d_terms, d_out);
  // The total gradient at the decoder's input z: through the decoder, and log p(z) = −½|z|².
  ensure_shape(dz_total_, rows, latent, "tractable::Vae::dz_total");
  const Matrix dz_total = dz_total_;
  for_each_element("tractable::Vae::prior_backward", rows, latent, KOKKOS_LAMBDA(const std::size_t r, const std::size_t l) {
    dz_total(r, l) = dz(r, l) - d_terms(r, 1) * z(r, l);
  });
  ensure_shape(d_posterior_, batch, posterior_width(), "tractable::Vae::d_posterior");
  const Matrix d_post = d_posterior_;
  Matrix dz0 = dz_total_;
  if (iaf_) {
    // log q = log q0 − log|det|: the flow's log-det receives −(dL/d log q).
    const std::size_t ctx = shape_.iaf_context;
    ensure_shape(d_flow_logdet_, rows, "tractable::Vae::d_flow_logdet");
    const Vector d_logdet = d_flow_logdet_;
    for_each_index("tractable::Vae::flow_logdet_backward", rows,
                   KOKKOS_LAMBDA(const std::size_t r) { d_logdet(r) = -d_terms(r, 2); });
    ensure_shape(d_context_, batch, ctx, "tractable::Vae::d_context");
    fill_zero(d_context_);
    dz0 = iaf_->backward(dz_total_, d_flow_logdet_, d_context_, freeze_decoder);
    place_columns(d_context_, d_post, 2 * latent);  // d posterior[:, 2L:] = d h
  }
  reparameterise_backward(posterior, eps, k, dz0, d_terms, d_post);  // z0 = μ + σ ε, and log q0's −½ Σ log σ²
  return d_posterior_;
}

const Matrix& VariationalAutoencoder::decode_mean(const Matrix& z) {
  likelihood_->mean(decoder_->forward(z), mean_);
  return mean_;
}

HostMatrix VariationalAutoencoder::sample_means(RandomStream& stream, std::size_t n) {
  Matrix z("tractable::Vae::prior_samples", n, shape_.latent);
  stream.fill_normal(z);
  return Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), decode_mean(z));
}

HostMatrix VariationalAutoencoder::decode(const Matrix& z) {
  require(z.extent(1) == shape_.latent, "VariationalAutoencoder::decode: z has the wrong width");
  return Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), decode_mean(z));
}

HostMatrix VariationalAutoencoder::reconstruct(const Matrix& x, std::vector<double>* log_likelihood) {
  // z at ε = 0: q's mean, pushed through the posterior flow if there is one.
  const std::size_t n = x.extent(0);
  Matrix posterior("tractable::Vae::reconstruct::posterior", n, posterior_width());
  Kokkos::deep_copy(posterior, encode(x));
  const Matrix eps("tractable::Vae::reconstruct::eps", n, shape_.latent);
  const Matrix terms = log_weight_terms(x, posterior, eps, 1);  // column 0: log p(x|z)
  if (log_likelihood) {
    const auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), terms);
    log_likelihood->resize(n);
    for (std::size_t i = 0; i < n; ++i) (*log_likelihood)[i] = double(host(i, 0));
  }
  Matrix z("tractable::Vae::reconstruct::z", n, shape_.latent);
  Kokkos::deep_copy(z, z_);
  return Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), decode_mean(z));
}

}  // namespace tractable
