#include "sbi/tasks/bernoulli_glm.hpp"

#include "sbi/numpy_random_state.hpp"
#include "sbi/task_math.hpp"

namespace tractable {

namespace {
constexpr std::size_t T = BernoulliGlm::kSteps, P = BernoulliGlm::kParameters, M = P - 1;

// F = D² + diag(√(k/9)), lower triangular [9, 9] row-major: D² has 1 on the diagonal, −2 below it, 1 two below.
std::array<double, M * M> filter_root() {
  std::array<double, M * M> f{};
  for (std::size_t k = 0; k < M; ++k) {
    f[k * M + k] = 1.0 + std::sqrt(double(k) / double(M));
    if (k >= 1) f[k * M + k - 1] = -2.0;
    if (k >= 2) f[k * M + k - 2] = 1.0;
  }
  return f;
}
const std::array<double, M * M>& F() {
  static const auto f = filter_root();
  return f;
}

// log(1 + e^ψ) without overflow.
double softplus(double psi) { return psi > 0 ? psi + std::log1p(std::exp(-psi)) : std::log1p(std::exp(psi)); }

// ψ = V θ [100] and the sufficient statistic Vᵀ y [10] are what everything here is made of.
void linear_predictor(const double* theta, double* psi) {
  const auto& v = BernoulliGlm::design_matrix();
  for (std::size_t t = 0; t < T; ++t) {
    double s = 0;
    for (std::size_t j = 0; j < P; ++j) s += v[t * P + j] * theta[j];
    psi[t] = s;
  }
}
void statistic(const double* y, double* out) {
  const auto& v = BernoulliGlm::design_matrix();
  for (std::size_t j = 0; j < P; ++j) {
    double s = 0;
    for (std::size_t t = 0; t < T; ++t) s += v[t * P + j] * y[t];
    out[j] = s;
  }
}
}  // namespace

const std::array<double, T>& BernoulliGlm::stimulus() {
  static const auto values = [] {
    std::array<double, T> out{};
    NumpyRandomState numpy(42);
    for (auto& v : out) v = static_cast<double>(static_cast<float>(numpy.normal()));  // sbibm stores float32
    return out;
  }();
  return values;
}

const std::array<double, T * P>& BernoulliGlm::design_matrix() {
  static const auto values = [] {
    std::array<double, T * P> out{};
    const auto& I = stimulus();
    for (std::size_t t = 0; t < T; ++t) {
      out[t * P] = 1.0;
      for (std::size_t lag = 0; lag < M && lag <= t; ++lag) out[t * P + 1 + lag] = I[t - lag];
    }
    return out;
  }();
  return values;
}

BernoulliGlm::BernoulliGlm(bool raw) : raw_(raw) {}

void BernoulliGlm::sample_prior(RandomStream& r, double* theta) const {
  // θ₀ ~ N(0, 1/0.5); the filter h = F⁻¹ z has covariance F⁻¹F⁻ᵀ = (FᵀF)⁻¹: forward substitution.
  theta[0] = std::sqrt(2.0) * r.normal();
  const auto& f = F();
  for (std::size_t k = 0; k < M; ++k) {
    double s = r.normal();
    for (std::size_t i = 0; i < k; ++i) s -= f[k * M + i] * theta[1 + i];
    theta[1 + k] = s / f[k * M + k];
  }
}

double BernoulliGlm::log_prior(const double* theta) const {
  double quadratic = 0.5 * theta[0] * theta[0];  // θᵀPθ = 0.5 θ₀² + ‖F h‖²
  const auto& f = F();
  for (std::size_t k = 0; k < M; ++k) {
    double s = 0;
    for (std::size_t i = 0; i <= k; ++i) s += f[k * M + i] * theta[1 + i];
    quadratic += s * s;
  }
  return -0.5 * quadratic;
}

void BernoulliGlm::simulate(RandomStream& r, const double* theta, double* x) const {
  double psi[T], y[T];
  linear_predictor(theta, psi);
  for (std::size_t t = 0; t < T; ++t) y[t] = r.uniform() < 1.0 / (1.0 + std::exp(-psi[t])) ? 1.0 : 0.0;
  if (raw_)
    for (std::size_t t = 0; t < T; ++t) x[t] = y[t];
  else
    statistic(y, x);
}

double BernoulliGlm::log_likelihood(const double* theta, const double* x) const {
  double s[P], psi[T];
  if (raw_) {
    for (std::size_t t = 0; t < T; ++t)
      if (x[t] != 0.0 && x[t] != 1.0) return task_math::kMinusInfinity;  // not a spike train
    statistic(x, s);
  } else {
    for (std::size_t j = 0; j < P; ++j) s[j] = x[j];
  }
  linear_predictor(theta, psi);
  double out = 0;
  for (std::size_t j = 0; j < P; ++j) out += theta[j] * s[j];
  for (std::size_t t = 0; t < T; ++t) out -= softplus(psi[t]);
  return out;
}

}  // namespace tractable
