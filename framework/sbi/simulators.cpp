#include "sbi/simulators.hpp"

#include "core/error.hpp"

#include <cmath>

namespace tractable {

namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr double kLogTwoPi = 1.8378770664093453;
constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();

double log_normal(double x, double mean, double sd) {
  const double z = (x - mean) / sd;
  return -0.5 * z * z - std::log(sd) - 0.5 * kLogTwoPi;
}
bool in_box(const double* theta, std::size_t n, double lo, double hi) {
  for (std::size_t j = 0; j < n; ++j)
    if (!(theta[j] >= lo && theta[j] <= hi)) return false;
  return true;
}

// two_moons: θ ~ U(−1, 1)²; a ~ U(−π/2, π/2), r ~ N(0.1, 0.01²), p = (r cos a + 0.25, r sin a);
// x = p + (−|θ1 + θ2|/√2, (−θ1 + θ2)/√2). The likelihood is the density of p = x − g(θ):
// polar coordinates of p − (0.25, 0) with Jacobian 1/r, a uniform on its half circle.
class TwoMoons : public Simulator {
 public:
  std::string name() const override { return "two_moons"; }
  std::size_t parameter_dim() const override { return 2; }
  std::size_t observation_dim() const override { return 2; }
  void sample_prior(RandomStream& r, double* theta) const override {
    for (int j = 0; j < 2; ++j) theta[j] = 2 * r.uniform() - 1;
  }
  double log_prior(const double* theta) const override { return in_box(theta, 2, -1, 1) ? 0.0 : kMinusInfinity; }
  void simulate(RandomStream& r, const double* theta, double* x) const override {
    const double a = kPi * (r.uniform() - 0.5), radius = 0.1 + 0.01 * r.normal();
    x[0] = radius * std::cos(a) + 0.25 - std::abs(theta[0] + theta[1]) / std::sqrt(2.0);
    x[1] = radius * std::sin(a) + (-theta[0] + theta[1]) / std::sqrt(2.0);
  }
  double log_likelihood(const double* theta, const double* x) const override {
    const double u = x[0] - 0.25 + std::abs(theta[0] + theta[1]) / std::sqrt(2.0);
    const double v = x[1] - (-theta[0] + theta[1]) / std::sqrt(2.0);
    if (u <= 0) return kMinusInfinity;  // a ∈ (−π/2, π/2): the half circle to the right
    const double radius = std::hypot(u, v);
    return log_normal(radius, 0.1, 0.01) - std::log(kPi) - std::log(radius);
  }
};

// gaussian_linear: θ ~ N(0, 0.1 I₁₀), x ~ N(θ, 0.1 I₁₀); the posterior is N(x/2, 0.05 I).
class GaussianLinear : public Simulator {
 public:
  std::string name() const override { return "gaussian_linear"; }
  std::size_t parameter_dim() const override { return 10; }
  std::size_t observation_dim() const override { return 10; }
  void sample_prior(RandomStream& r, double* theta) const override {
    for (int j = 0; j < 10; ++j) theta[j] = std::sqrt(0.1) * r.normal();
  }
  double log_prior(const double* theta) const override {
    double s = 0;
    for (int j = 0; j < 10; ++j) s += log_normal(theta[j], 0, std::sqrt(0.1));
    return s;
  }
  void simulate(RandomStream& r, const double* theta, double* x) const override {
    for (int j = 0; j < 10; ++j) x[j] = theta[j] + std::sqrt(0.1) * r.normal();
  }
  double log_likelihood(const double* theta, const double* x) const override {
    double s = 0;
    for (int j = 0; j < 10; ++j) s += log_normal(x[j], theta[j], std::sqrt(0.1));
    return s;
  }
};

// slcp: θ ~ U(−3, 3)⁵; m = (θ1, θ2), s1 = θ3², s2 = θ4², ρ = tanh θ5,
// Σ = [[s1², ρ s1 s2], [ρ s1 s2, s2²]]; x = four independent draws of N(m, Σ), [8].
class Slcp : public Simulator {
 public:
  std::string name() const override { return "slcp"; }
  std::size_t parameter_dim() const override { return 5; }
  std::size_t observation_dim() const override { return 8; }
  void sample_prior(RandomStream& r, double* theta) const override {
    for (int j = 0; j < 5; ++j) theta[j] = 6 * r.uniform() - 3;
  }
  double log_prior(const double* theta) const override { return in_box(theta, 5, -3, 3) ? 0.0 : kMinusInfinity; }
  void simulate(RandomStream& r, const double* theta, double* x) const override {
    const double s1 = theta[2] * theta[2], s2 = theta[3] * theta[3], rho = std::tanh(theta[4]);
    for (int k = 0; k < 4; ++k) {
      const double e1 = r.normal(), e2 = r.normal();  // Cholesky of Σ
      x[2 * k] = theta[0] + s1 * e1;
      x[2 * k + 1] = theta[1] + s2 * (rho * e1 + std::sqrt(1 - rho * rho) * e2);
    }
  }
  double log_likelihood(const double* theta, const double* x) const override {
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
};

// Kruse et al. 2021: a planar arm on a vertical rail. x ~ N(0, diag(0.25, 0.5, 0.5, 0.5)²): x1 the rail
// height, x2..x4 joint angles; segments 0.5, 0.5, 1.0; y = f(x), deterministic (no likelihood).
class InverseKinematics : public Simulator {
 public:
  std::string name() const override { return "inverse_kinematics"; }
  std::size_t parameter_dim() const override { return 4; }
  std::size_t observation_dim() const override { return 2; }
  void sample_prior(RandomStream& r, double* x) const override {
    for (int j = 0; j < 4; ++j) x[j] = kSigma[j] * r.normal();
  }
  double log_prior(const double* x) const override {
    double s = 0;
    for (int j = 0; j < 4; ++j) s += log_normal(x[j], 0, kSigma[j]);
    return s;
  }
  void simulate(RandomStream&, const double* x, double* y) const override { arm_end_point(x, y); }
  bool has_likelihood() const override { return false; }
  double log_likelihood(const double*, const double*) const override {
    throw DataError("inverse_kinematics: the arm is deterministic, y = f(x), so it has no likelihood");
  }

 private:
  static constexpr double kSigma[4] = {0.25, 0.5, 0.5, 0.5};
};
}  // namespace

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

const std::vector<std::string>& simulator_names() {
  static const std::vector<std::string> names{"two_moons", "gaussian_linear", "slcp", "inverse_kinematics"};
  return names;
}

std::unique_ptr<Simulator> make_simulator(const std::string& name, const std::string& where) {
  if (name == "two_moons") return std::make_unique<TwoMoons>();
  if (name == "gaussian_linear") return std::make_unique<GaussianLinear>();
  if (name == "slcp") return std::make_unique<Slcp>();
  if (name == "inverse_kinematics") return std::make_unique<InverseKinematics>();
  throw DataError(where + ": no simulator named '" + name + "' (two_moons, gaussian_linear, slcp, inverse_kinematics)");
}

namespace {
// Row i of a set draws from its own counter range, so the first n rows of a larger set are the same rows.
RandomStream row_stream(std::uint64_t seed, SimulationBlock block, std::size_t row) {
  constexpr std::uint64_t kDrawsPerRow = 64;  // more than any simulator draws for one row
  return RandomStream(seed, static_cast<int>(block), Stream::data, std::uint64_t(row) * kDrawsPerRow);
}
}  // namespace

HostMatrix simulate_rows(const Simulator& simulator, std::size_t n, std::uint64_t seed, SimulationBlock block) {
  const std::size_t C = simulator.observation_dim(), D = simulator.parameter_dim();
  HostMatrix rows("tractable::simulations", n, C + D);
  std::vector<double> theta(D), x(C);
  for (std::size_t i = 0; i < n; ++i) {
    RandomStream r = row_stream(seed, block, i);
    simulator.sample_prior(r, theta.data());
    simulator.simulate(r, theta.data(), x.data());
    for (std::size_t j = 0; j < C; ++j) rows(i, j) = static_cast<Real>(x[j]);
    for (std::size_t j = 0; j < D; ++j) rows(i, C + j) = static_cast<Real>(theta[j]);
  }
  return rows;
}

HostMatrix simulate_at(const Simulator& simulator, const HostMatrix& theta, std::uint64_t seed) {
  const std::size_t C = simulator.observation_dim(), D = simulator.parameter_dim();
  require(theta.extent(1) == D, "simulate_at: parameter rows have the wrong width");
  HostMatrix out("tractable::simulate_at", theta.extent(0), C);
  std::vector<double> t(D), x(C);
  for (std::size_t i = 0; i < theta.extent(0); ++i) {
    RandomStream r = row_stream(seed, SimulationBlock::training, i);
    for (std::size_t j = 0; j < D; ++j) t[j] = theta(i, j);
    simulator.simulate(r, t.data(), x.data());
    for (std::size_t j = 0; j < C; ++j) out(i, j) = static_cast<Real>(x[j]);
  }
  return out;
}

}  // namespace tractable
