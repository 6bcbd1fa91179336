#include "objectives/importance_weighted_bound.hpp"

#include "core/batch_parallel.hpp"
#include "core/error.hpp"

#include <algorithm>
#include <cmath>

namespace tractable {

ImportanceWeightedBound::ImportanceWeightedBound(LatentVariableModel& vae, const BoundOptions& options,
                                                 const RandomStream& noise, std::size_t global_batch)
    : vae_(vae), options_(options), noise_(noise), global_batch_(global_batch) {
  if (options.kind == BoundOptions::Kind::elbo && options.analytic_kl && !vae.has_closed_form_kl())
    throw SpecError("objective.kl: the KL of this model's posterior (a flow, or two stochastic layers) has no closed form; use \"sampled\"");
}

void ImportanceWeightedBound::set_position(std::int64_t step, std::size_t first_global_row) {
  step_ = step;
  first_row_ = first_global_row;
}

double ImportanceWeightedBound::current_beta() const {
  if (options_.kl_warmup_steps <= 0) return options_.beta;
  return options_.beta * std::min(1.0, double(step_) / double(options_.kl_warmup_steps));
}

double ImportanceWeightedBound::sum(const Matrix& batch) { return evaluate(batch, 0, false); }

double ImportanceWeightedBound::sum_and_backward(const Matrix& batch, Real scale) { return evaluate(batch, scale, true); }

double ImportanceWeightedBound::evaluate(const Matrix& x, Real scale, bool backward) {
  const std::size_t batch = x.extent(0), k = options_.samples, latent = vae_.latent(), width = vae_.noise_width();
  ensure_shape(eps_, batch * k, width, "tractable::ImportanceWeightedBound::eps");
  noise_.fill_normal_at(eps_, (std::uint64_t(step_) * global_batch_ + first_row_) * k * width);
  const Matrix posterior = vae_.encode(x);  // [B, P]
  const Matrix terms = vae_.log_weight_terms(x, posterior, eps_, k);  // [B·k, 3]
  ensure_shape(d_terms_, batch * k, 3, "tractable::ImportanceWeightedBound::d_terms");
  ensure_shape(losses_, batch, "tractable::ImportanceWeightedBound::losses");
  const Matrix d_terms = d_terms_;
  const Vector losses = losses_;
  const bool iwae = options_.kind == BoundOptions::Kind::iwae, analytic = !iwae && options_.analytic_kl;
  const Real beta = Real(current_beta()), log_k = Real(std::log(double(k)));
  // One row per example, its k samples over the row's lanes.
  for_each_row("tractable::ImportanceWeightedBound::bound", batch, k, KOKKOS_LAMBDA(const std::size_t b, const RowLanes& samples) {
    const auto log_weight = [&](const std::size_t j) {  // log w_j = log p(x|z_j) + log p(z_j) − log q(z_j|x)
      const std::size_t r = b * k + j;
      return terms(r, 0) + terms(r, 1) - terms(r, 2);
    };
    if (iwae) {
      // L_k = m + log Σ_j exp(log w_j − m) − log k, m = max_j log w_j
      const Real m = samples.max(log_weight);
      const Real total = samples.sum([&](const std::size_t j) { return kmath::exp(log_weight(j) - m); });
      samples.once([&]() { losses(b) = -(m + kmath::log(total) - log_k); });
      samples.for_each([&](const std::size_t j) {  // d(−scale·L_k)/d log w_j = −scale · w̃_j
        const std::size_t r = b * k + j;
        const Real g = -scale * kmath::exp(log_weight(j) - m) / total;
        d_terms(r, 0) = g;
        d_terms(r, 1) = g;
        d_terms(r, 2) = -g;
      });
    } else {
      const Real bound = samples.sum([&](const std::size_t j) {
        const std::size_t r = b * k + j;
        return terms(r, 0) + (analytic ? Real(0) : beta * (terms(r, 1) - terms(r, 2)));
      });
      samples.once([&]() { losses(b) = -bound / Real(k); });
      samples.for_each([&](const std::size_t j) {
        const std::size_t r = b * k + j;
        const Real g = -scale / Real(k);
        d_terms(r, 0) = g;
        d_terms(r, 1) = analytic ? Real(0) : beta * g;
        d_terms(r, 2) = analytic ? Real(0) : -beta * g;
      });
    }
  });
  if (analytic) {
    // KL(N(μ, σ²) ‖ N(0, I)) = ½ Σ_l (μ² + σ² − 1 − log σ²), added to the loss with weight β.
    for_each_row_reduce(
        "tractable::ImportanceWeightedBound::analytic_kl", batch, latent,
        KOKKOS_LAMBDA(const std::size_t b, const std::size_t l) {
          const Real mean = posterior(b, l), log_var = posterior(b, latent + l);
          return Real(0.5) * (mean * mean + kmath::exp(log_var) - Real(1) - log_var);
        },
        KOKKOS_LAMBDA(const std::size_t b, const Real kl) { losses(b) += beta * kl; });
  }
  const double total = sum_over("tractable::ImportanceWeightedBound::sum", batch,
                                KOKKOS_LAMBDA(const std::size_t b) { return double(losses(b)); });
  if (!backward) return total;

  const Matrix d_posterior = vae_.log_weight_terms_backward(d_terms_);  // [B, P]
  if (analytic) {
    for_each_element("tractable::ImportanceWeightedBound::analytic_kl_backward", batch, latent,
                     KOKKOS_LAMBDA(const std::size_t b, const std::size_t l) {
                       // d(scale · β · KL)/dμ = scale·β·μ;  d/d log σ² = scale·β·½(σ² − 1)
                       d_posterior(b, l) += scale * beta * posterior(b, l);
                       d_posterior(b, latent + l) +=
                           scale * beta * Real(0.5) * (kmath::exp(posterior(b, latent + l)) - Real(1));
                     });
  }
  vae_.encode_backward(d_posterior);
  return total;
}

}  // namespace tractable
