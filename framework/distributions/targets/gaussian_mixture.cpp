#include "distributions/targets/gaussian_mixture.hpp"
#include "core/batch_parallel.hpp"
#include "core/stable_math.hpp"

#include "core/error.hpp"

#include <cmath>
#include <sstream>

namespace tractable {

namespace {
// Cholesky Σ = L Lᵀ; returns false when Σ is not positive definite.
bool cholesky(std::vector<double> a, std::size_t n, std::vector<double>& l) {
  l.assign(n * n, 0.0);
  for (std::size_t j = 0; j < n; ++j) {
    double d = a[j * n + j];
    for (std::size_t k = 0; k < j; ++k) d -= l[j * n + k] * l[j * n + k];
    if (!(d > 0)) return false;
    l[j * n + j] = std::sqrt(d);
    for (std::size_t i = j + 1; i < n; ++i) {
      double s = a[i * n + j];
      for (std::size_t k = 0; k < j; ++k) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = s / l[j * n + j];
    }
  }
  return true;
}
}  // namespace

GaussianMixture::GaussianMixture(const std::vector<std::vector<double>>& means,
                                 const std::vector<std::vector<std::vector<double>>>& covariances,
                                 std::vector<double> weights, const std::string& where)
    : host_means_(means) {
  const std::size_t k_count = means.size();
  if (k_count == 0) throw SpecError(where + ".means: needs at least one component");
  dim_ = means[0].size();
  if (dim_ == 0) throw SpecError(where + ".means[0]: empty mean");
  for (std::size_t k = 0; k < k_count; ++k)
    if (means[k].size() != dim_)
      throw SpecError(where + ".means[" + std::to_string(k) + "]: has " + std::to_string(means[k].size()) +
                      " entries, means[0] has " + std::to_string(dim_));
  if (!covariances.empty() && covariances.size() != k_count)
    throw SpecError(where + ".covariances: " + std::to_string(covariances.size()) + " matrices for " +
                    std::to_string(k_count) + " components");
  if (weights.empty()) weights.assign(k_count, 1.0);
  if (weights.size() != k_count)
    throw SpecError(where + ".weights: " + std::to_string(weights.size()) + " weights for " + std::to_string(k_count) +
                    " components");
  double total = 0;
  for (std::size_t k = 0; k < k_count; ++k) {
    if (!(weights[k] > 0)) throw SpecError(where + ".weights[" + std::to_string(k) + "]: must be positive");
    total += weights[k];
  }
  means_ = decltype(means_)("tractable::GaussianMixture::means", k_count, dim_);
  precisions_ = decltype(precisions_)("tractable::GaussianMixture::precisions", k_count, dim_, dim_);
  log_weights_ = decltype(log_weights_)("tractable::GaussianMixture::log_weights", k_count);
  auto m = Kokkos::create_mirror_view(means_);
  auto p = Kokkos::create_mirror_view(precisions_);
  auto w = Kokkos::create_mirror_view(log_weights_);
  for (std::size_t k = 0; k < k_count; ++k) {
    const std::string here = where + ".covariances[" + std::to_string(k) + "]";
    std::vector<double> sigma(dim_ * dim_, 0.0);
    for (std::size_t i = 0; i < dim_; ++i) sigma[i * dim_ + i] = 1.0;  // default: identity
    if (!covariances.empty()) {
      if (covariances[k].size() != dim_) throw SpecError(here + ": expected a " + std::to_string(dim_) + "x" + std::to_string(dim_) + " matrix");
      for (std::size_t i = 0; i < dim_; ++i) {
        if (covariances[k][i].size() != dim_)
          throw SpecError(here + "[" + std::to_string(i) + "]: expected " + std::to_string(dim_) + " entries");
        for (std::size_t j = 0; j < dim_; ++j) sigma[i * dim_ + j] = covariances[k][i][j];
      }
      for (std::size_t i = 0; i < dim_; ++i)
        for (std::size_t j = 0; j < i; ++j)
          if (std::abs(sigma[i * dim_ + j] - sigma[j * dim_ + i]) > 1e-12 * (1 + std::abs(sigma[i * dim_ + j])))
            throw SpecError(here + ": not symmetric");
    }
    std::vector<double> l;
    if (!cholesky(sigma, dim_, l)) throw SpecError(here + ": not positive definite");
    double log_det = 0;
    for (std::size_t i = 0; i < dim_; ++i) log_det += 2 * std::log(l[i * dim_ + i]);
    host_log_dets_.push_back(log_det);
    // Precision = L^{-T} L^{-1}, column by column from unit vectors.
    std::vector<double> inverse(dim_ * dim_, 0.0);
    for (std::size_t c = 0; c < dim_; ++c) {
      std::vector<double> y(dim_, 0.0);  // solve L y = e_c
      for (std::size_t i = 0; i < dim_; ++i) {
        double s = i == c ? 1.0 : 0.0;
        for (std::size_t k2 = 0; k2 < i; ++k2) s -= l[i * dim_ + k2] * y[k2];
        y[i] = s / l[i * dim_ + i];
      }
      for (std::size_t i = dim_; i-- > 0;) {  // solve Lᵀ x = y
        double s = y[i];
        for (std::size_t k2 = i + 1; k2 < dim_; ++k2) s -= l[k2 * dim_ + i] * inverse[k2 * dim_ + c];
        inverse[i * dim_ + c] = s / l[i * dim_ + i];
      }
    }
    for (std::size_t i = 0; i < dim_; ++i) {
      m(k, i) = static_cast<Real>(means[k][i]);
      for (std::size_t j = 0; j < dim_; ++j) p(k, i, j) = static_cast<Real>(inverse[i * dim_ + j]);
    }
    w(k) = static_cast<Real>(std::log(weights[k] / total) - 0.5 * log_det - 0.5 * double(dim_) * std::log(2 * M_PI));
  }
  Kokkos::deep_copy(means_, m);
  Kokkos::deep_copy(precisions_, p);
  Kokkos::deep_copy(log_weights_, w);
}

GaussianMixture GaussianMixture::correlated(std::size_t dim, double correlation, double scale, const std::string& where) {
  std::vector<std::vector<std::vector<double>>> cov(1, std::vector<std::vector<double>>(dim, std::vector<double>(dim)));
  for (std::size_t i = 0; i < dim; ++i)
    for (std::size_t j = 0; j < dim; ++j)
      cov[0][i][j] = scale * scale * std::pow(correlation, double(i > j ? i - j : j - i));
  return GaussianMixture({std::vector<double>(dim, 0.0)}, cov, {1.0}, where);
}

std::string GaussianMixture::describe() const {
  return "GaussianMixture(K=" + std::to_string(components()) + ", D=" + std::to_string(dim_) + ")";
}

double GaussianMixture::gaussian_entropy() const {
  require(components() == 1, "gaussian_entropy: only for a single Gaussian");
  return 0.5 * double(dim_) * (1 + std::log(2 * M_PI)) + 0.5 * host_log_dets_[0];
}

namespace {
// r(i, k) = log π_k + log N(x_i; μ_k, Σ_k)
void component_log_densities(const Matrix& x, const Kokkos::View<Real**, Kokkos::LayoutRight, MemSpace>& means,
                             const Kokkos::View<Real***, Kokkos::LayoutRight, MemSpace>& precisions,
                             const Kokkos::View<Real*, MemSpace>& log_weights, const Matrix& r) {
  const std::size_t dim = x.extent(1), k_count = log_weights.extent(0);
  for_each_element(
      "tractable::GaussianMixture::component_log_densities", x.extent(0), k_count,
      KOKKOS_LAMBDA(const std::size_t i, const std::size_t k) {
        Real quadratic = 0;
        for (std::size_t a = 0; a < dim; ++a) {
          Real row = 0;
          for (std::size_t b = 0; b < dim; ++b) row += precisions(k, a, b) * (x(i, b) - means(k, b));
          quadratic += (x(i, a) - means(k, a)) * row;
        }
        r(i, k) = log_weights(k) - Real(0.5) * quadratic;
      });
}
}  // namespace

void GaussianMixture::log_density(const Matrix& x, const Vector& out) const {
  require(x.extent(1) == dim_, "GaussianMixture: input has the wrong dimension");
  ensure_shape(responsibilities_, x.extent(0), components(), "tractable::GaussianMixture::r");
  const Matrix r = responsibilities_;
  component_log_densities(x, means_, precisions_, log_weights_, r);
  const std::size_t k_count = components();
  for_each_index(
      "tractable::GaussianMixture::log_density", x.extent(0), KOKKOS_LAMBDA(const std::size_t i) {
        out(i) = log_sum_exp([&](std::size_t k) { return r(i, k); }, k_count);
      });
}

void GaussianMixture::log_density_gradient(const Matrix& x, const Matrix& grad) const {
  require(x.extent(1) == dim_, "GaussianMixture: input has the wrong dimension");
  ensure_shape(responsibilities_, x.extent(0), components(), "tractable::GaussianMixture::r");
  const Matrix r = responsibilities_;
  component_log_densities(x, means_, precisions_, log_weights_, r);
  const std::size_t k_count = components(), dim = dim_;
  const auto means = means_;
  const auto precisions = precisions_;
  // ∇ log p = Σ_k resp_k(x) · (−P_k (x − μ_k))
  for_each_index(
      "tractable::GaussianMixture::log_density_gradient", x.extent(0), KOKKOS_LAMBDA(const std::size_t i) {
        const Real log_norm = log_sum_exp([&](std::size_t k) { return r(i, k); }, k_count);
        for (std::size_t a = 0; a < dim; ++a) grad(i, a) = 0;
        for (std::size_t k = 0; k < k_count; ++k) {
          const Real resp = kmath::exp(r(i, k) - log_norm);
          for (std::size_t a = 0; a < dim; ++a) {
            Real row = 0;
            for (std::size_t b = 0; b < dim; ++b) row += precisions(k, a, b) * (x(i, b) - means(k, b));
            grad(i, a) -= resp * row;
          }
        }
      });
}

}  // namespace tractable
