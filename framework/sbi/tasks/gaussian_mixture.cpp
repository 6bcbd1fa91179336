#include "sbi/tasks/gaussian_mixture.hpp"

#include "sbi/task_math.hpp"

namespace tractable {

using namespace task_math;

namespace {
constexpr double kBound = 10;
constexpr double kSd[2] = {1.0, 0.1};  // the two components' standard deviations, weights ½ each
}  // namespace

void GaussianMixtureTask::sample_prior(RandomStream& r, double* theta) const {
  for (int j = 0; j < 2; ++j) theta[j] = 2 * kBound * r.uniform() - kBound;
}

double GaussianMixtureTask::log_prior(const double* theta) const {
  return in_box(theta, 2, -kBound, kBound) ? 0.0 : kMinusInfinity;
}

void GaussianMixtureTask::simulate(RandomStream& r, const double* theta, double* x) const {
  const double sd = r.uniform() < 0.5 ? kSd[0] : kSd[1];
  for (int j = 0; j < 2; ++j) x[j] = theta[j] + sd * r.normal();
}

double GaussianMixtureTask::log_likelihood(const double* theta, const double* x) const {
  double terms[2];
  for (int k = 0; k < 2; ++k)
    terms[k] = std::log(0.5) + log_normal(x[0], theta[0], kSd[k]) + log_normal(x[1], theta[1], kSd[k]);
  const double top = std::max(terms[0], terms[1]);
  return top + std::log(std::exp(terms[0] - top) + std::exp(terms[1] - top));
}

ReferenceSampler gaussian_mixture_reference() {
  return [](const Simulator&, const double* x_o, std::size_t n, std::uint64_t seed, const ReferenceSettings&) {
    RandomStream r = reference_stream(seed);
    // p(θ | x) ∝ Σ_k ½ N(θ; x, σ_k² I) on the box: component k's weight is its mass inside the box.
    double mass[2];
    for (int k = 0; k < 2; ++k) {
      mass[k] = 0.5;
      for (int j = 0; j < 2; ++j)
        mass[k] *= normal_cdf((kBound - x_o[j]) / kSd[k]) - normal_cdf((-kBound - x_o[j]) / kSd[k]);
    }
    ReferenceSamples ref{HostMatrix("tractable::reference", n, 2),
                         "exact: a component by its mass in the prior box, then its truncated normal"};
    for (std::size_t i = 0; i < n; ++i) {
      const int k = r.uniform() * (mass[0] + mass[1]) < mass[0] ? 0 : 1;
      for (std::size_t j = 0; j < 2; ++j)
        ref.samples(i, j) = static_cast<Real>(truncated_normal(r, x_o[j], kSd[k], -kBound, kBound));
    }
    return ref;
  };
}

}  // namespace tractable
