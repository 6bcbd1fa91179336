#pragma once
// A normalised mixture of K full-covariance Gaussians in D dimensions,
//   p(x) = Σ_k π_k N(x; μ_k, Σ_k),
// evaluated through precomputed precisions and log-determinants (Cholesky on
// the host at construction). A correlated Gaussian is the K = 1 case.
#include "distributions/targets/target.hpp"

#include <vector>

namespace tractable {

class GaussianMixture : public Target {
 public:
  // means [K][D], covariances [K][D][D] (symmetric positive definite), weights [K] (> 0, normalised here).
  // `where` names the spec location in errors (e.g. "objective.target").
  GaussianMixture(const std::vector<std::vector<double>>& means,
                  const std::vector<std::vector<std::vector<double>>>& covariances, std::vector<double> weights,
                  const std::string& where);
  // Σ_ij = scale² ρ^{|i−j|} (an AR(1) correlation), zero mean.
  static GaussianMixture correlated(std::size_t dim, double correlation, double scale, const std::string& where);

  std::size_t dim() const override { return dim_; }
  void log_density(const Matrix& x, const Vector& out) const override;
  void log_density_gradient(const Matrix& x, const Matrix& grad) const override;
  double log_normalizer() const override { return 0.0; }
  std::string describe() const override;

  std::size_t components() const { return log_weights_.extent(0); }
  const std::vector<std::vector<double>>& means() const { return host_means_; }
  // Exact differential entropy of a single Gaussian component (K = 1 only).
  double gaussian_entropy() const;

 private:
  std::size_t dim_;
  std::vector<std::vector<double>> host_means_;
  std::vector<double> host_log_dets_;
  Kokkos::View<Real**, Kokkos::LayoutRight, MemSpace> means_;           // [K, D]
  Kokkos::View<Real***, Kokkos::LayoutRight, MemSpace> precisions_;     // [K, D, D]
  Kokkos::View<Real*, MemSpace> log_weights_;                           // [K] log π_k + log normaliser of N_k
  mutable Matrix responsibilities_;                                     // [B, K] scratch, reused
};

}  // namespace tractable
