#include "vae/reparameterisation.hpp"
#include "core/batch_parallel.hpp"

namespace tractable {

void reparameterise(const Matrix& posterior, const Matrix& eps, std::size_t k, const Matrix& z) {
  const std::size_t latent = z.extent(1);
  // z [R, L] = μ [B, L] + exp(½ log σ²) [B, L] ⊙ ε [R, L], R = B·k
  for_each_element("tractable::reparameterise", z.extent(0), latent, KOKKOS_LAMBDA(std::size_t r, std::size_t l) {
    const std::size_t b = r / k;
    z(r, l) = posterior(b, l) + kmath::exp(Real(0.5) * posterior(b, latent + l)) * eps(r, l);
  });
}

void reparameterise_backward(const Matrix& posterior, const Matrix& eps, std::size_t k, const Matrix& dz,
                             const Matrix& d_terms, const Matrix& d_posterior) {
  const std::size_t latent = dz.extent(1);
  // Over [B, L]: each example's k samples are summed in order.
  for_each_element("tractable::reparameterise_backward", posterior.extent(0), latent,
                   KOKKOS_LAMBDA(std::size_t b, std::size_t l) {
        const Real half_sigma = Real(0.5) * kmath::exp(Real(0.5) * posterior(b, latent + l));
        Real d_mean = 0, d_log_var = 0;
        for (std::size_t j = 0; j < k; ++j) {
          const std::size_t r = b * k + j;
          d_mean += dz(r, l);
          d_log_var += dz(r, l) * eps(r, l) * half_sigma - Real(0.5) * d_terms(r, 2);
        }
        d_posterior(b, l) = d_mean;
        d_posterior(b, latent + l) = d_log_var;
      });
}

}  // namespace tractable
