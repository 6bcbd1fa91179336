#include "sbi/tasks/gaussian_linear_uniform.hpp"

#include "sbi/task_math.hpp"

namespace tractable {

using namespace task_math;

namespace {
const double kNoiseSd = std::sqrt(0.1);
}

void GaussianLinearUniform::sample_prior(RandomStream& r, double* theta) const {
  for (int j = 0; j < 10; ++j) theta[j] = 2 * r.uniform() - 1;
}

double GaussianLinearUniform::log_prior(const double* theta) const {
  return in_box(theta, 10, -1, 1) ? 0.0 : kMinusInfinity;
}

void GaussianLinearUniform::simulate(RandomStream& r, const double* theta, double* x) const {
  for (int j = 0; j < 10; ++j) x[j] = theta[j] + kNoiseSd * r.normal();
}

double GaussianLinearUniform::log_likelihood(const double* theta, const double* x) const {
  double s = 0;
  for (int j = 0; j < 10; ++j) s += log_normal(x[j], theta[j], kNoiseSd);
  return s;
}

ReferenceSampler gaussian_linear_uniform_reference() {
  return [](const Simulator&, const double* x_o, std::size_t n, std::uint64_t seed, const ReferenceSettings&) {
    RandomStream r = reference_stream(seed);
    ReferenceSamples ref{HostMatrix("tractable::reference", n, 10),
                         "exact: N(x, 0.1 I) truncated to [-1, 1]^10, each coordinate by its inverse CDF"};
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < 10; ++j)
        ref.samples(i, j) = static_cast<Real>(truncated_normal(r, x_o[j], kNoiseSd, -1, 1));
    return ref;
  };
}

}  // namespace tractable
