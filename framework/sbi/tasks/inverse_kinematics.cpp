#include "sbi/tasks/inverse_kinematics.hpp"

#include "core/error.hpp"
#include "sbi/task_math.hpp"

namespace tractable {

using namespace task_math;

namespace {
constexpr double kSigma[4] = {0.25, 0.5, 0.5, 0.5};
}

void InverseKinematics::sample_prior(RandomStream& r, double* x) const {
  for (int j = 0; j < 4; ++j) x[j] = kSigma[j] * r.normal();
}

double InverseKinematics::log_prior(const double* x) const {
  double s = 0;
  for (int j = 0; j < 4; ++j) s += log_normal(x[j], 0, kSigma[j]);
  return s;
}

void InverseKinematics::simulate(RandomStream&, const double* x, double* y) const { arm_end_point(x, y); }

double InverseKinematics::log_likelihood(const double*, const double*) const {
  throw DataError("inverse_kinematics: the arm is deterministic, y = f(x), so it has no likelihood");
}

void arm_end_point(const double* x, double* y) {
  const double lengths[3] = {0.5, 0.5, 1.0};
  double angle = 0;
  y[0] = 0;
  y[1] = x[0];
  for (int i = 0; i < 3; ++i) {
    angle += x[i + 1];
    y[0] += lengths[i] * std::cos(angle);
    y[1] += lengths[i] * std::sin(angle);
  }
}

}  // namespace tractable
