#include "sbi/tasks/sir.hpp"

#include "sbi/task_math.hpp"

#include <boost/math/distributions/binomial.hpp>
#include <boost/numeric/odeint.hpp>

#include <vector>

namespace tractable {

using namespace task_math;

namespace {
constexpr double kPopulation = 1e6;
constexpr int kTrials = 1000;
const double kLoc[2] = {std::log(0.4), std::log(0.125)}, kScale[2] = {0.5, 0.2};
using State = std::array<double, 3>;  // S, I, R

// Binomial(n, p) by its inverse CDF: exact, one uniform per draw.
using RoundUp = boost::math::policies::policy<boost::math::policies::discrete_quantile<boost::math::policies::integer_round_up>>;
double binomial_draw(RandomStream& r, double p) {
  if (p <= 0) return 0;
  if (p >= 1) return kTrials;
  const boost::math::binomial_distribution<double, RoundUp> d(kTrials, p);
  return boost::math::quantile(d, std::min(std::max(r.uniform(), 1e-300), 1 - 1e-16));
}
}  // namespace

std::array<double, 10> Sir::infected_fraction(const double* theta) {
  namespace ode = boost::numeric::odeint;
  const double beta = theta[0], gamma = theta[1];
  auto system = [beta, gamma](const State& u, State& du, double) {
    const double infection = beta * u[0] * u[1] / kPopulation, recovery = gamma * u[1];
    du = {-infection, infection - recovery, recovery};
  };
  std::vector<double> times(10);
  for (int k = 0; k < 10; ++k) times[k] = 17.0 * k;
  std::array<double, 10> out{};
  int k = 0;
  State u{kPopulation - 1, 1, 0};
  ode::integrate_times(ode::make_dense_output(1e-8, 1e-10, ode::runge_kutta_dopri5<State>()), system, u, times.begin(),
                       times.end(), 0.1, [&](const State& s, double) { out[k++] = s[1] / kPopulation; });
  return out;
}

void Sir::sample_prior(RandomStream& r, double* theta) const {
  for (int j = 0; j < 2; ++j) theta[j] = std::exp(kLoc[j] + kScale[j] * r.normal());
}

double Sir::log_prior(const double* theta) const {
  double s = 0;
  for (int j = 0; j < 2; ++j) {
    if (!(theta[j] > 0)) return kMinusInfinity;
    s += log_normal(std::log(theta[j]), kLoc[j], kScale[j]) - std::log(theta[j]);
  }
  return s;
}

void Sir::simulate(RandomStream& r, const double* theta, double* x) const {
  const auto fraction = infected_fraction(theta);
  for (int k = 0; k < 10; ++k) x[k] = binomial_draw(r, fraction[k]);
}

double Sir::log_likelihood(const double* theta, const double* x) const {
  if (!(theta[0] > 0 && theta[1] > 0)) return kMinusInfinity;
  const auto fraction = infected_fraction(theta);
  double s = 0;
  for (int k = 0; k < 10; ++k) {
    const double n = kTrials, y = std::round(x[k]), p = std::min(std::max(fraction[k], 0.0), 1.0);
    if (y < 0 || y > n) return kMinusInfinity;
    s += std::lgamma(n + 1) - std::lgamma(y + 1) - std::lgamma(n - y + 1);
    if (y > 0) s += p > 0 ? y * std::log(p) : kMinusInfinity;
    if (y < n) s += p < 1 ? (n - y) * std::log1p(-p) : kMinusInfinity;
  }
  return s;
}

}  // namespace tractable
