#pragma once
// Small densities the simulators' priors and likelihoods are written in.
#include "core/random.hpp"

#include <boost/math/special_functions/erf.hpp>

#include <algorithm>
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

// Φ, the standard normal CDF.
inline double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// A draw of N(mean, sd²) truncated to [lo, hi], by the inverse CDF (Boost.Math's erf_inv): exact, one uniform
// per draw, however far the interval lies in a tail that rejection would rarely reach.
inline double truncated_normal(RandomStream& r, double mean, double sd, double lo, double hi) {
  const double a = normal_cdf((lo - mean) / sd), b = normal_cdf((hi - mean) / sd);
  const double u = a + (b - a) * r.uniform();
  const double p = std::min(std::max(2 * u - 1, -1 + 1e-16), 1 - 1e-16);
  return std::min(std::max(mean + sd * std::sqrt(2.0) * boost::math::erf_inv(p), lo), hi);
}

}  // namespace tractable::task_math
