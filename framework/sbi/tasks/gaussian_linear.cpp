#include "sbi/tasks/gaussian_linear.hpp"

#include "sbi/task_math.hpp"

namespace tractable {

using namespace task_math;

void GaussianLinear::sample_prior(RandomStream& r, double* theta) const {
  for (int j = 0; j < 10; ++j) theta[j] = std::sqrt(0.1) * r.normal();
}

double GaussianLinear::log_prior(const double* theta) const {
  double s = 0;
  for (int j = 0; j < 10; ++j) s += log_normal(theta[j], 0, std::sqrt(0.1));
  return s;
}

void GaussianLinear::simulate(RandomStream& r, const double* theta, double* x) const {
  for (int j = 0; j < 10; ++j) x[j] = theta[j] + std::sqrt(0.1) * r.normal();
}

double GaussianLinear::log_likelihood(const double* theta, const double* x) const {
  double s = 0;
  for (int j = 0; j < 10; ++j) s += log_normal(x[j], theta[j], std::sqrt(0.1));
  return s;
}

ReferenceSampler gaussian_linear_reference() {
  return [](const Simulator&, const double* x_o, std::size_t n, std::uint64_t seed, const ReferenceSettings&) {
    RandomStream r = reference_stream(seed);
    ReferenceSamples ref{HostMatrix("tractable::reference", n, 10), "closed form: N(x/2, 0.05 I)"};
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < 10; ++j)
        ref.samples(i, j) = static_cast<Real>(0.5 * x_o[j] + std::sqrt(0.05) * r.normal());
    return ref;
  };
}

}  // namespace tractable
