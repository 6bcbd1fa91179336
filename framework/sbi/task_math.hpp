#pragma once
// Small densities the simulators' priors and likelihoods are written in.
#include <cmath>
#include <cstddef>
#include <limits>

namespace tractable::task_math {

constexpr double kPi = 3.14159265358979323846;
constexpr double kLogTwoPi = 1.8378770664093453;
constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();

inline double log_normal(double x, double mean, double sd) {
  const double z = (x - mean) / sd;
  return -0.5 * z * z - std::log(sd) - 0.5 * kLogTwoPi;
}

// Whether every θ_j of θ [n] lies in [lo, hi] (a box prior's support).
inline bool in_box(const double* theta, std::size_t n, double lo, double hi) {
  for (std::size_t j = 0; j < n; ++j)
    if (!(theta[j] >= lo && theta[j] <= hi)) return false;
  return true;
}

}  // namespace tractable::task_math
