#include "sbi/tasks/slcp.hpp"

#include "sbi/task_math.hpp"

#include <algorithm>

namespace tractable {

using namespace task_math;

void Slcp::sample_prior(RandomStream& r, double* theta) const {
  for (int j = 0; j < 5; ++j) theta[j] = 6 * r.uniform() - 3;
}

double Slcp::log_prior(const double* theta) const { return in_box(theta, 5, -3, 3) ? 0.0 : kMinusInfinity; }

namespace {
// Σ = [[s1², ρ s1 s2], [ρ s1 s2, s2²]] + 10⁻⁶ I (sbibm adds the jitter so Σ stays positive definite as θ3 or
// θ4 nears 0), as its three distinct entries.
struct Covariance {
  double a, b, c;  // [[a, b], [b, c]]
  explicit Covariance(const double* theta) {
    const double s1 = theta[2] * theta[2], s2 = theta[3] * theta[3], rho = std::tanh(theta[4]);
    a = s1 * s1 + 1e-6;
    b = rho * s1 * s2;
    c = s2 * s2 + 1e-6;
  }
};
}  // namespace

void Slcp::simulate(RandomStream& r, const double* theta, double* x) const {
  const Covariance S(theta);
  const double l11 = std::sqrt(S.a), l21 = S.b / l11, l22 = std::sqrt(std::max(S.c - l21 * l21, 0.0));  // Cholesky
  for (int k = 0; k < 4; ++k) {
    const double e1 = r.normal(), e2 = r.normal();
    x[2 * k] = theta[0] + l11 * e1;
    x[2 * k + 1] = theta[1] + l21 * e1 + l22 * e2;
  }
}

double Slcp::log_likelihood(const double* theta, const double* x) const {
  const Covariance S(theta);
  const double det = S.a * S.c - S.b * S.b;
  if (!(det > 0)) return kMinusInfinity;
  double s = 0;
  for (int k = 0; k < 4; ++k) {
    const double u = x[2 * k] - theta[0], v = x[2 * k + 1] - theta[1];
    s += -0.5 * (S.c * u * u - 2 * S.b * u * v + S.a * v * v) / det - 0.5 * std::log(det) - kLogTwoPi;
  }
  return s;
}

}  // namespace tractable
