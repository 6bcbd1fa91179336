#include "sbi/tasks/lotka_volterra.hpp"

#include "sbi/task_math.hpp"

#include <boost/numeric/odeint.hpp>

#include <vector>

namespace tractable {

using namespace task_math;

namespace {
const double kLoc[4] = {-0.125, -3, -0.125, -3};
constexpr double kScale = 0.5, kNoise = 0.1;
using State = std::array<double, 2>;  // prey, predators
}  // namespace

std::array<double, 20> LotkaVolterra::populations(const double* theta) {
  namespace ode = boost::numeric::odeint;
  const double alpha = theta[0], beta = theta[1], gamma = theta[2], delta = theta[3];
  auto system = [=](const State& u, State& du, double) {
    du = {alpha * u[0] - beta * u[0] * u[1], -gamma * u[1] + delta * u[0] * u[1]};
  };
  std::vector<double> times(10);
  for (int k = 0; k < 10; ++k) times[k] = 2.1 * k;
  std::array<double, 20> out{};
  int k = 0;
  State u{30, 1};
  ode::integrate_times(ode::make_dense_output(1e-8, 1e-10, ode::runge_kutta_dopri5<State>()), system, u, times.begin(),
                       times.end(), 0.01, [&](const State& s, double) {
                         out[k] = std::min(std::max(s[0], 1e-10), 1e4);
                         out[10 + k] = std::min(std::max(s[1], 1e-10), 1e4);
                         ++k;
                       });
  return out;
}

void LotkaVolterra::sample_prior(RandomStream& r, double* theta) const {
  for (int j = 0; j < 4; ++j) theta[j] = std::exp(kLoc[j] + kScale * r.normal());
}

double LotkaVolterra::log_prior(const double* theta) const {
  double s = 0;
  for (int j = 0; j < 4; ++j) {
    if (!(theta[j] > 0)) return kMinusInfinity;
    s += log_normal(std::log(theta[j]), kLoc[j], kScale) - std::log(theta[j]);
  }
  return s;
}

void LotkaVolterra::simulate(RandomStream& r, const double* theta, double* x) const {
  const auto u = populations(theta);
  for (int j = 0; j < 20; ++j) x[j] = std::exp(std::log(u[j]) + kNoise * r.normal());
}

double LotkaVolterra::log_likelihood(const double* theta, const double* x) const {
  for (int j = 0; j < 4; ++j)
    if (!(theta[j] > 0)) return kMinusInfinity;
  const auto u = populations(theta);
  double s = 0;
  for (int j = 0; j < 20; ++j) {
    if (!(x[j] > 0)) return kMinusInfinity;
    s += log_normal(std::log(x[j]), std::log(u[j]), kNoise) - std::log(x[j]);
  }
  return s;
}

}  // namespace tractable
