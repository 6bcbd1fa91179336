#include "problems/vae_evaluation.hpp"
#include "core/batch_parallel.hpp"

#include "core/stable_math.hpp"
#include "optim/adam.hpp"

#include <algorithm>
#include <cmath>

namespace tractable {

namespace {

Matrix to_device(const HostMatrix& rows, std::size_t begin, std::size_t end, const char* label) {
  Matrix x(Kokkos::view_alloc(std::string(label), Kokkos::WithoutInitializing), end - begin, rows.extent(1));
  Kokkos::deep_copy(x, Kokkos::subview(rows, std::make_pair(begin, end), Kokkos::ALL()));
  return x;
}

// log Σ exp over a host range, shifted by its maximum.
double log_sum_exp(const double* v, std::size_t n) {
  const double m = *std::max_element(v, v + n);
  double s = 0;
  for (std::size_t i = 0; i < n; ++i) s += std::exp(v[i] - m);
  return m + std::log(s);
}

// Per-example ELBO (1/k) Σ_j log w_j from the given noise rows, and optionally the gradient of −Σ_b ELBO_b
// with respect to the posterior parameters (decoder and flow frozen). The sampled form holds for any q,
// flow posteriors included; with common noise the difference of two ELBOs has little variance.
std::vector<double> sampled_elbo(LatentVariableModel& vae, const Matrix& x /*[n, D]*/, const Matrix& posterior /*[n, P]*/,
                                 const Matrix& eps /*[n·k, L]*/, std::size_t k, Matrix* d_posterior /*[n, P]*/) {
  const std::size_t n = x.extent(0);
  const Matrix terms = vae.log_weight_terms(x, posterior, eps, k);
  auto host_terms = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), terms);
  std::vector<double> elbo(n, 0.0);
  for (std::size_t b = 0; b < n; ++b)
    for (std::size_t j = 0; j < k; ++j) {
      const std::size_t r = b * k + j;
      elbo[b] += (double(host_terms(r, 0)) + double(host_terms(r, 1)) - double(host_terms(r, 2))) / double(k);
    }
  if (d_posterior) {
    Matrix d_terms("tractable::amortization::d_terms", n * k, 3);
    for_each_index(
        "tractable::amortization::d_terms", n * k, KOKKOS_LAMBDA(const std::size_t r) {
          d_terms(r, 0) = -Real(1) / Real(k);
          d_terms(r, 1) = -Real(1) / Real(k);
          d_terms(r, 2) = Real(1) / Real(k);
        });
    Kokkos::deep_copy(*d_posterior, vae.log_weight_terms_backward(d_terms, /*freeze_decoder=*/true));
  }
  return elbo;
}

}  // namespace

VaeEvaluation evaluate_vae(LatentVariableModel& vae, const HostMatrix& rows, std::size_t importance_samples,
                           const std::vector<std::size_t>& bound_ks, const RandomStream& stream, std::size_t batch,
                           const Communicator& comm) {
  const std::size_t n = rows.extent(0), K = importance_samples, latent = vae.latent(), width = vae.noise_width();
  const auto [begin, end] = comm.shard(n);
  std::vector<std::size_t> ks;
  for (std::size_t k : bound_ks)
    if (k >= 1 && k <= K) ks.push_back(k);
  // Local sums: log p̂, each L_k, and Σ μ, Σ μ² per latent unit.
  std::vector<double> sums(1 + ks.size() + 2 * latent, 0.0);
  std::vector<double> local_log_likelihood, local_elbo;
  const std::size_t points_per_pass = std::max<std::size_t>(1, batch / K);
  Matrix eps;
  for (std::size_t p0 = begin; p0 < end; p0 += points_per_pass) {
    const std::size_t p1 = std::min(end, p0 + points_per_pass), points = p1 - p0;
    const Matrix x = to_device(rows, p0, p1, "tractable::evaluate_vae::x");
    const Matrix posterior_buffer = vae.encode(x);
    Matrix posterior("tractable::evaluate_vae::posterior", points, vae.posterior_width());
    Kokkos::deep_copy(posterior, posterior_buffer);
    auto host_post = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), posterior);
    for (std::size_t q = 0; q < points; ++q)
      for (std::size_t l = 0; l < latent; ++l) {
        sums[1 + ks.size() + l] += host_post(q, l);
        sums[1 + ks.size() + latent + l] += double(host_post(q, l)) * host_post(q, l);
      }
    std::vector<std::vector<double>> weights(points, std::vector<double>(K));
    // Several whole examples per pass when K is small; one example in chunks of samples when K is large.
    const std::size_t chunk = points > 1 ? K : std::min(K, batch);
    for (std::size_t j0 = 0; j0 < K; j0 += chunk) {
      const std::size_t c = std::min(chunk, K - j0);
      ensure_shape(eps, points * c, width, "tractable::evaluate_vae::eps");
      stream.fill_normal_at(eps, (p0 * K + j0) * width);
      const Matrix terms = vae.log_weight_terms(x, posterior, eps, c);
      auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), terms);
      for (std::size_t q = 0; q < points; ++q)
        for (std::size_t j = 0; j < c; ++j) {
          const std::size_t r = q * c + j;
          weights[q][j0 + j] = double(host(r, 0)) + double(host(r, 1)) - double(host(r, 2));
        }
    }
    for (const auto& w : weights) {
      local_log_likelihood.push_back(log_sum_exp(w.data(), K) - std::log(double(K)));
      double mean = 0;
      for (const double v : w) mean += v;
      local_elbo.push_back(mean / double(K));
      sums[0] += local_log_likelihood.back();
      for (std::size_t i = 0; i < ks.size(); ++i) {
        const std::size_t k = ks[i], groups = K / k;
        double total = 0;
        for (std::size_t g = 0; g < groups; ++g) total += log_sum_exp(w.data() + g * k, k) - std::log(double(k));
        sums[1 + i] += total / double(groups);
      }
    }
  }
  // Reduced in double, one value at a time (a few dozen values once per evaluation).
  std::vector<double> global(sums.size());
  for (std::size_t i = 0; i < sums.size(); ++i) global[i] = comm.allreduce_sum(sums[i]);

  VaeEvaluation r;
  r.importance_samples = K;
  r.local_log_likelihood = std::move(local_log_likelihood);
  r.local_elbo = std::move(local_elbo);
  r.nll = -global[0] / double(n);
  r.bits_per_dim = r.nll / (double(rows.extent(1)) * std::log(2.0));
  for (std::size_t i = 0; i < ks.size(); ++i) r.bounds[ks[i]] = global[1 + i] / double(n);
  r.elbo = r.bounds.count(1) ? r.bounds.at(1) : std::nan("");
  r.posterior_mean_variance.resize(latent);
  for (std::size_t l = 0; l < latent; ++l) {
    const double mean = global[1 + ks.size() + l] / double(n);
    r.posterior_mean_variance[l] = std::max(0.0, global[1 + ks.size() + latent + l] / double(n) - mean * mean);
    if (r.posterior_mean_variance[l] > 1e-2) ++r.active_units;
  }
  return r;
}

AmortizationGap measure_amortization_gap(LatentVariableModel& vae, const HostMatrix& rows, std::size_t n,
                                         std::size_t steps, double lr, std::size_t samples, std::size_t eval_samples,
                                         const RandomStream& stream, const Communicator& comm) {
  n = std::min(n, rows.extent(0));
  const std::size_t latent = vae.noise_width();  // noise columns per draw
  const auto [begin, end] = comm.shard(n);
  AmortizationGap gap;
  gap.points = n;
  double encoder_sum = 0, optimized_sum = 0;
  if (end > begin) {
    const std::size_t m = end - begin;
    const Matrix x = to_device(rows, begin, end, "tractable::amortization::x");
    // The per-example posteriors as one flat parameter vector for Adam.
    const std::size_t width = vae.posterior_width();
    Vector flat("tractable::amortization::posterior", m * width), flat_grad("tractable::amortization::grad", m * width);
    const Matrix posterior(flat.data(), m, width), d_posterior(flat_grad.data(), m, width);
    Kokkos::deep_copy(posterior, vae.encode(x));
    Matrix eval_eps("tractable::amortization::eval_eps", m * eval_samples, latent);
    stream.fill_normal_at(eval_eps, begin * eval_samples * latent);  // the same draws for both ELBOs
    for (double v : sampled_elbo(vae, x, posterior, eval_eps, eval_samples, nullptr)) encoder_sum += v;
    Adam adam(flat.extent(0), AdamConfig{});
    Matrix eps("tractable::amortization::eps", m * samples, latent);
    // Training draws come after every example's evaluation block, so they never reuse evaluation noise.
    const std::uint64_t train_base = rows.extent(0) * eval_samples * latent;
    for (std::size_t t = 0; t < steps; ++t) {
      stream.fill_normal_at(eps, train_base + (t * n + begin) * samples * latent);
      Matrix d = d_posterior;
      sampled_elbo(vae, x, posterior, eps, samples, &d);
      adam.step(flat, flat_grad, Real(lr));
    }
    for (double v : sampled_elbo(vae, x, posterior, eval_eps, eval_samples, nullptr)) optimized_sum += v;
  }
  gap.encoder_elbo = comm.allreduce_sum(encoder_sum) / double(n);
  gap.optimized_elbo = comm.allreduce_sum(optimized_sum) / double(n);
  return gap;
}

HostMatrix vae_reconstructions(LatentVariableModel& vae, const HostMatrix& rows, std::vector<double>* log_likelihood) {
  return vae.reconstruct(to_device(rows, 0, rows.extent(0), "tractable::vae_reconstructions::x"), log_likelihood);
}

}  // namespace tractable
