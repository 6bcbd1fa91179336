#include "sbi/tasks/slcp.hpp"

#include "sbi/task_math.hpp"

namespace tractable {

using namespace task_math;

void Slcp::sample_prior(RandomStream& r, double* theta) const {
  for (int j = 0; j < 5; ++j) theta[j] = 6 * r.uniform() - 3;
}

double Slcp::log_prior(const double* theta) const { return in_box(theta, 5, -3, 3) ? 0.0 : kMinusInfinity; }

void Slcp::simulate(RandomStream& r, const double* theta, double* x) const {
  const double s1 = theta[2] * theta[2], s2 = theta[3] * theta[3], rho = std::tanh(theta[4]);
  for (int k = 0; k < 4; ++k) {
    const double e1 = r.normal(), e2 = r.normal();  // Cholesky of Σ
    x[2 * k] = theta[0] + s1 * e1;
    x[2 * k + 1] = theta[1] + s2 * (rho * e1 + std::sqrt(1 - rho * rho) * e2);
  }
}

double Slcp::log_likelihood(const double* theta, const double* x) const {
  const double s1 = theta[2] * theta[2], s2 = theta[3] * theta[3], rho = std::tanh(theta[4]);
  const double one_minus = 1 - rho * rho;
  if (!(s1 > 0 && s2 > 0 && one_minus > 0)) return kMinusInfinity;
  const double log_det = 2 * std::log(s1) + 2 * std::log(s2) + std::log(one_minus);
  double s = 0;
  for (int k = 0; k < 4; ++k) {
    const double a = (x[2 * k] - theta[0]) / s1, b = (x[2 * k + 1] - theta[1]) / s2;
    s += -0.5 * (a * a - 2 * rho * a * b + b * b) / one_minus - 0.5 * log_det - kLogTwoPi;
  }
  return s;
}

}  // namespace tractable
