#include "sbi/tasks/two_moons.hpp"

#include "sbi/task_math.hpp"

namespace tractable {

using namespace task_math;

void TwoMoons::sample_prior(RandomStream& r, double* theta) const {
  for (int j = 0; j < 2; ++j) theta[j] = 2 * r.uniform() - 1;
}

double TwoMoons::log_prior(const double* theta) const { return in_box(theta, 2, -1, 1) ? 0.0 : kMinusInfinity; }

void TwoMoons::simulate(RandomStream& r, const double* theta, double* x) const {
  const double a = kPi * (r.uniform() - 0.5), radius = 0.1 + 0.01 * r.normal();
  x[0] = radius * std::cos(a) + 0.25 - std::abs(theta[0] + theta[1]) / std::sqrt(2.0);
  x[1] = radius * std::sin(a) + (-theta[0] + theta[1]) / std::sqrt(2.0);
}

double TwoMoons::log_likelihood(const double* theta, const double* x) const {
  const double u = x[0] - 0.25 + std::abs(theta[0] + theta[1]) / std::sqrt(2.0);
  const double v = x[1] - (-theta[0] + theta[1]) / std::sqrt(2.0);
  if (u <= 0) return kMinusInfinity;  // a ∈ (−π/2, π/2): the half circle to the right
  const double radius = std::hypot(u, v);
  return log_normal(radius, 0.1, 0.01) - std::log(kPi) - std::log(radius);
}

}  // namespace tractable
