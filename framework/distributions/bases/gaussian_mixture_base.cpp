#include "distributions/bases/gaussian_mixture_base.hpp"
#include "core/stable_math.hpp"

#include "core/batch_parallel.hpp"
#include "core/error.hpp"

#include <cmath>

namespace tractable {

GaussianMixtureBase::GaussianMixtureBase(ParameterStore& store, const std::string& name, std::size_t dim,
                                         std::size_t components)
    : store_(store),
      logits_(store.reserve(name + ".logits", {components}, Initializer::zeros())),
      // Spread the initial means so the components start distinct.
      means_(store.reserve(name + ".means", {components, dim}, Initializer::uniform(Real(1)))),
      log_scales_(store.reserve(name + ".log_scales", {components, dim}, Initializer::zeros())),
      dim_(dim),
      components_(components) {
  require(components >= 1, "GaussianMixtureBase needs at least one component");
}

std::string GaussianMixtureBase::describe() const {
  return "GaussianMixtureBase(K=" + std::to_string(components_) + ", D=" + std::to_string(dim_) + ")";
}

void GaussianMixtureBase::responsibilities(const Matrix& z) {
  const std::size_t batch = z.extent(0), d = dim_, kc = components_;
  ensure_shape(log_joint_, batch, kc, "tractable::GaussianMixtureBase::log_joint");
  ensure_shape(log_norm_, batch, "tractable::GaussianMixtureBase::log_norm");
  const Vector logits = store_.vector(logits_);
  const Matrix mu = store_.matrix(means_), s = store_.matrix(log_scales_), lj = log_joint_;
  const Vector ln = log_norm_;
  const Real half_log_2pi = Real(0.5 * std::log(2 * M_PI));
  // A row's K component terms, each a sum over its D features (over a device thread's lanes); the
  // normaliser then reads them back in a second kernel, once they are all written.
  for_each_row(
      "tractable::GaussianMixtureBase::log_joint", batch, d, KOKKOS_LAMBDA(const std::size_t i, const RowLanes& lanes) {
        const Real log_z_logits = log_sum_exp(logits, kc);
        for (std::size_t k = 0; k < kc; ++k) {
          const Real v = logits(k) - log_z_logits + lanes.sum([&](const std::size_t j) {
            const Real e = (z(i, j) - mu(k, j)) * kmath::exp(-s(k, j));
            return -Real(0.5) * e * e - s(k, j) - half_log_2pi;
          });
          lanes.once([&]() { lj(i, k) = v; });
        }
      });
  for_each_index(
      "tractable::GaussianMixtureBase::log_norm", batch,
      KOKKOS_LAMBDA(const std::size_t i) { ln(i) = log_sum_exp([&](std::size_t k) { return lj(i, k); }, kc); });
}

void GaussianMixtureBase::log_prob(const Matrix& z, const Vector& out, bool accumulate) {
  responsibilities(z);
  const Vector ln = log_norm_;
  for_each_index(
      "tractable::GaussianMixtureBase::log_prob", z.extent(0),
      KOKKOS_LAMBDA(const std::size_t i) { out(i) = accumulate ? out(i) + ln(i) : ln(i); });
}

void GaussianMixtureBase::log_prob_backward(const Matrix& z, const Vector& dlogp, const Matrix& dz) {
  responsibilities(z);
  const std::size_t batch = z.extent(0), d = dim_, kc = components_;
  const Vector logits = store_.vector(logits_), glogits = store_.gradient_vector(logits_);
  const Matrix mu = store_.matrix(means_), s = store_.matrix(log_scales_), gmu = store_.gradient_matrix(means_),
               gs = store_.gradient_matrix(log_scales_), lj = log_joint_;
  const Vector ln = log_norm_;
  // dz_ij = dlogp_i Σ_k r_ik (−(z − μ_k)/σ_k²)
  for_each_element(
      "tractable::GaussianMixtureBase::dz", batch, d, KOKKOS_LAMBDA(const std::size_t i, const std::size_t j) {
        Real g = 0;
        for (std::size_t k = 0; k < kc; ++k) {
          const Real r = kmath::exp(lj(i, k) - ln(i));
          g -= r * (z(i, j) - mu(k, j)) * kmath::exp(-2 * s(k, j));
        }
        dz(i, j) = dlogp(i) * g;
      });
  // Parameters, summed over rows (column sums over the [K·D] flattened parameters): ∂/∂μ_kj = r (z − μ)/σ²,
  // ∂/∂s_kj = r (((z − μ)/σ)² − 1).
  const Vector gmu_flat(gmu.data(), kc * d), gs_flat(gs.data(), kc * d);  // [K·D] views of [K, D]
  for_each_column_sum("tractable::GaussianMixtureBase::mean_gradients", batch, kc * d, gmu_flat, true,
                      KOKKOS_LAMBDA(const std::size_t i, const std::size_t n) {
                        const std::size_t k = n / d, j = n % d;
                        const Real w = dlogp(i) * kmath::exp(lj(i, k) - ln(i));
                        return w * (z(i, j) - mu(k, j)) * kmath::exp(-2 * s(k, j));
                      });
  for_each_column_sum("tractable::GaussianMixtureBase::log_scale_gradients", batch, kc * d, gs_flat, true,
                      KOKKOS_LAMBDA(const std::size_t i, const std::size_t n) {
                        const std::size_t k = n / d, j = n % d;
                        const Real w = dlogp(i) * kmath::exp(lj(i, k) - ln(i));
                        const Real e = (z(i, j) - mu(k, j)) * kmath::exp(-s(k, j));
                        return w * (e * e - 1);
                      });
  // Logits: ∂ log p/∂ logit_k = r_k − π_k, so the gradient is Σ_i dlogp_i r_ik − π_k Σ_i dlogp_i.
  ensure_shape(logit_sums_, kc + 1, "tractable::GaussianMixtureBase::logit_sums");
  const Vector sums = logit_sums_;
  for_each_column_sum("tractable::GaussianMixtureBase::logit_sums", batch, kc + 1, sums, false,
                      KOKKOS_LAMBDA(const std::size_t i, const std::size_t k) {
                        return k < kc ? dlogp(i) * kmath::exp(lj(i, k) - ln(i)) : dlogp(i);
                      });
  for_each_index(
      "tractable::GaussianMixtureBase::logit_gradients", kc, KOKKOS_LAMBDA(const std::size_t k) {
        const Real pi = kmath::exp(logits(k) - log_sum_exp(logits, kc));
        glogits(k) += sums(k) - pi * sums(kc);
      });
}

void GaussianMixtureBase::sample(RandomStream& stream, const Matrix& z) {
  const std::size_t batch = z.extent(0), d = dim_, kc = components_;
  ensure_shape(noise_, batch, d + 1, "tractable::GaussianMixtureBase::noise");
  stream.fill_normal(noise_);  // the last column picks the component through Φ(ε) ~ U(0, 1)
  const Vector logits = store_.vector(logits_);
  const Matrix mu = store_.matrix(means_), s = store_.matrix(log_scales_), noise = noise_;
  // Every lane of a row's device thread picks the same component; the lanes then write its features.
  for_each_row(
      "tractable::GaussianMixtureBase::sample", batch, d, KOKKOS_LAMBDA(const std::size_t i, const RowLanes& lanes) {
        const Real log_z_logits = log_sum_exp(logits, kc);
        const Real u = Real(0.5) * kmath::erfc(-noise(i, d) / kmath::sqrt(Real(2)));
        std::size_t k = kc - 1;
        Real cumulative = 0;
        for (std::size_t c = 0; c < kc; ++c) {
          cumulative += kmath::exp(logits(c) - log_z_logits);
          if (u < cumulative) {
            k = c;
            break;
          }
        }
        lanes.for_each([&](const std::size_t j) { z(i, j) = mu(k, j) + kmath::exp(s(k, j)) * noise(i, j); });
      });
}

}  // namespace tractable
