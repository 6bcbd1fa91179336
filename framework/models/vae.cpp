#include "models/vae.hpp"

#include "core/column_sums.hpp"
#include "core/error.hpp"
#include "core/stable_math.hpp"

#include <cmath>
#include <sstream>

namespace tractable {

namespace {
constexpr double kLog2Pi = 1.8378770664093453;
}

VariationalAutoencoder::VariationalAutoencoder(ParameterStore& store, const VaeShape& shape)
    : store_(store), shape_(shape) {
  const std::size_t context = shape.iaf_steps > 0 ? shape.iaf_context : 0;
  MlpShape encoder{shape.data_dim, shape.hidden, shape.depth, 2 * shape.latent + context, shape.activation, false};
  MlpShape decoder{shape.latent, shape.hidden, shape.depth, shape.data_dim, shape.activation, false};
  encoder_ = std::make_unique<Mlp>(store, "encoder", encoder);
  decoder_ = std::make_unique<Mlp>(store, "decoder", decoder);
  if (shape.iaf_steps > 0)
    iaf_ = std::make_unique<IafPosterior>(
        store, "posterior", IafPosteriorShape{shape.latent, context, shape.iaf_hidden, shape.iaf_depth, shape.iaf_steps, Activation::elu});
  if (shape.decoder == VaeShape::Decoder::gaussian) {
    if (shape.learned_variance) {
      log_variance_ = store.reserve("decoder.log_variance", {shape.data_dim}, Initializer::zeros());
    } else {
      fixed_log_variance_ = Vector("tractable::Vae::fixed_log_variance", shape.data_dim);
      Kokkos::deep_copy(fixed_log_variance_, Real(std::log(shape.fixed_variance)));
    }
  }
}

std::string VariationalAutoencoder::describe() const {
  std::ostringstream s;
  s << "VAE(D=" << shape_.data_dim << ", L=" << shape_.latent << ", encoder " << encoder_->describe() << ", decoder "
    << decoder_->describe() << ", "
    << (shape_.decoder == VaeShape::Decoder::bernoulli ? std::string("Bernoulli")
                                                         : std::string("Gaussian, ") +
                                                               (shape_.learned_variance ? "learned" : "fixed") + " variance")
    << (iaf_ ? ", " + iaf_->describe() : std::string()) << ")";
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
  const Matrix z0 = z0_;
  Kokkos::parallel_for(
      "tractable::Vae::reparameterise", RangePolicy(0, rows * latent), KOKKOS_LAMBDA(const std::size_t i) {
        const std::size_t r = i / latent, l = i % latent, b = r / k;
        // z0 [R, L] = μ [B, L] + exp(½ log σ²) [B, L] ⊙ ε [R, L]
        z0(r, l) = posterior(b, l) + kmath::exp(Real(0.5) * posterior(b, latent + l)) * eps(r, l);
      });
  ensure_shape(flow_logdet_, rows, "tractable::Vae::flow_logdet");
  Kokkos::deep_copy(flow_logdet_, Real(0));
  if (iaf_) {
    const std::size_t ctx = shape_.iaf_context;
    ensure_shape(context_, batch, ctx, "tractable::Vae::context");
    const Matrix context = context_;
    Kokkos::parallel_for(
        "tractable::Vae::gather_context", RangePolicy(0, batch * ctx), KOKKOS_LAMBDA(const std::size_t i) {
          context(i / ctx, i % ctx) = posterior(i / ctx, 2 * latent + i % ctx);  // h [B, C] = posterior[:, 2L:]
        });
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
  const bool bernoulli = shape_.decoder == VaeShape::Decoder::bernoulli;
  const Vector log_var = bernoulli ? Vector() : log_variance();  // [D]
  const Real half_latent_log_2pi = Real(0.5 * double(latent) * kLog2Pi), log_2pi = Real(kLog2Pi);
  Kokkos::parallel_for(
      "tractable::Vae::log_weight_terms", RangePolicy(0, rows), KOKKOS_LAMBDA(const std::size_t r) {
        const std::size_t b = r / k;
        Real likelihood = 0;
        if (bernoulli) {
          for (std::size_t d = 0; d < dim; ++d) likelihood += x(b, d) * out(r, d) - stable_softplus(out(r, d));
        } else {
          for (std::size_t d = 0; d < dim; ++d) {
            const Real diff = x(b, d) - out(r, d);
            likelihood -= Real(0.5) * (diff * diff * kmath::exp(-log_var(d)) + log_var(d) + log_2pi);
          }
        }
        Real z2 = 0, eps2 = 0, log_var_sum = 0;
        for (std::size_t l = 0; l < latent; ++l) {
          z2 += z(r, l) * z(r, l);
          eps2 += eps(r, l) * eps(r, l);
          log_var_sum += posterior(b, latent + l);
        }
        terms(r, 0) = likelihood;
        terms(r, 1) = -Real(0.5) * z2 - half_latent_log_2pi;
        // log N(μ + σε; μ, σ²) = −½|ε|² − ½ Σ log σ² − (L/2) log 2π, minus the flow's log|det| if any
        terms(r, 2) = -Real(0.5) * eps2 - Real(0.5) * log_var_sum - half_latent_log_2pi - flow_logdet(r);
      });
  return terms_;
}

const Matrix& VariationalAutoencoder::log_weight_terms_backward(const Matrix& d_terms, bool freeze_decoder) {
  const std::size_t rows = z_.extent(0), batch = x_.extent(0), latent = shape_.latent, dim = shape_.data_dim,
                    k = k_;
  const Matrix x = x_, out = decoder_output_, z = z_, eps = eps_, posterior = posterior_;
  ensure_shape(d_decoder_output_, rows, dim, "tractable::Vae::d_decoder_output");
  const Matrix d_out = d_decoder_output_;
  const bool bernoulli = shape_.decoder == VaeShape::Decoder::bernoulli;
  const Vector log_var = bernoulli ? Vector() : log_variance();
  Kokkos::parallel_for(
      "tractable::Vae::likelihood_backward", RangePolicy(0, rows * dim), KOKKOS_LAMBDA(const std::size_t i) {
        const std::size_t r = i / dim, d = i % dim, b = r / k;
        // d_out [R, D] = g_r · ∂ log p(x|z_r) / ∂ out(r, d)
        const Real g = d_terms(r, 0);
        d_out(r, d) = bernoulli ? g * (x(b, d) - stable_sigmoid(out(r, d)))
                                : g * (x(b, d) - out(r, d)) * kmath::exp(-log_var(d));
      });
  const Matrix dz = freeze_decoder ? decoder_->input_vjp(d_out) : decoder_->backward(d_out);  // [R, L]
  if (!bernoulli && shape_.learned_variance && !freeze_decoder) {
    // ∂/∂ log v_d = Σ_r g_r · ½((x − m)² / v − 1); d_out has been consumed, so it holds the per-row terms.
    Kokkos::parallel_for(
        "tractable::Vae::log_variance_backward", RangePolicy(0, rows * dim), KOKKOS_LAMBDA(const std::size_t i) {
          const std::size_t r = i / dim, d = i % dim, b = r / k;
          const Real diff = x(b, d) - out(r, d);
          d_out(r, d) = d_terms(r, 0) * Real(0.5) * (diff * diff * kmath::exp(-log_var(d)) - Real(1));
        });
    accumulate_column_sums(d_out, store_.gradient_vector(log_variance_));
  }
  // The total gradient at the decoder's input z: through the decoder, and log p(z) = −½|z|².
  ensure_shape(dz_total_, rows, latent, "tractable::Vae::dz_total");
  const Matrix dz_total = dz_total_;
  Kokkos::parallel_for(
      "tractable::Vae::prior_backward", RangePolicy(0, rows * latent), KOKKOS_LAMBDA(const std::size_t i) {
        const std::size_t r = i / latent, l = i % latent;
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
    Kokkos::parallel_for(
        "tractable::Vae::flow_logdet_backward", RangePolicy(0, rows),
        KOKKOS_LAMBDA(const std::size_t r) { d_logdet(r) = -d_terms(r, 2); });
    ensure_shape(d_context_, batch, ctx, "tractable::Vae::d_context");
    Kokkos::deep_copy(d_context_, Real(0));
    dz0 = iaf_->backward(dz_total_, d_flow_logdet_, d_context_, freeze_decoder);
    const Matrix d_context = d_context_;
    Kokkos::parallel_for(
        "tractable::Vae::context_backward", RangePolicy(0, batch * ctx), KOKKOS_LAMBDA(const std::size_t i) {
          d_post(i / ctx, 2 * latent + i % ctx) = d_context(i / ctx, i % ctx);
        });
  }
  const Matrix dz_base = dz0;
  Kokkos::parallel_for(
      "tractable::Vae::reparameterise_backward", RangePolicy(0, batch * latent), KOKKOS_LAMBDA(const std::size_t i) {
        const std::size_t b = i / latent, l = i % latent;
        const Real half_sigma = Real(0.5) * kmath::exp(Real(0.5) * posterior(b, latent + l));
        Real d_mean = 0, d_log_var = 0;
        for (std::size_t j = 0; j < k; ++j) {
          const std::size_t r = b * k + j;
          // z0 = μ + σ ε with ε fixed; log q0's only direct dependence is −½ Σ log σ²
          d_mean += dz_base(r, l);
          d_log_var += dz_base(r, l) * eps(r, l) * half_sigma - Real(0.5) * d_terms(r, 2);
        }
        d_post(b, l) = d_mean;
        d_post(b, latent + l) = d_log_var;
      });
  return d_posterior_;
}

const Matrix& VariationalAutoencoder::decode_mean(const Matrix& z) {
  const Matrix& out = decoder_->forward(z);
  ensure_shape(mean_, out.extent(0), out.extent(1), "tractable::Vae::mean");
  const Matrix mean = mean_;
  const bool bernoulli = shape_.decoder == VaeShape::Decoder::bernoulli;
  const std::size_t dim = out.extent(1);
  Kokkos::parallel_for(
      "tractable::Vae::decode_mean", RangePolicy(0, out.extent(0) * dim), KOKKOS_LAMBDA(const std::size_t i) {
        const Real v = out(i / dim, i % dim);
        mean(i / dim, i % dim) = bernoulli ? stable_sigmoid(v) : v;
      });
  return mean_;
}

}  // namespace tractable
