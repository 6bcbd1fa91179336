#include "sbi/tasks/slcp_distractors.hpp"

#include "sbi/numpy_random_state.hpp"
#include "sbi/task_math.hpp"

#include <algorithm>
#include <cmath>

namespace tractable {

namespace {
constexpr std::size_t K = SlcpDistractors::kComponents, N = SlcpDistractors::kNoise;
constexpr double kDegrees = 2.0;
}  // namespace

const SlcpDistractors::Distractors& SlcpDistractors::distractors() {
  // sbibm's draws, in its order: all locations, then per component its lower triangle (a full 92×92 draw,
  // the upper part discarded) and its diagonal's logs, then the permutation.
  static const Distractors d = [] {
    Distractors out;
    NumpyRandomState numpy(42);
    out.loc.resize(K * N);
    for (auto& v : out.loc) v = 15.0 * numpy.normal();
    out.scale_tril.assign(K * N * N, 0.0);
    for (std::size_t k = 0; k < K; ++k) {
      double* l = out.scale_tril.data() + k * N * N;
      for (std::size_t i = 0; i < N; ++i)
        for (std::size_t j = 0; j < N; ++j) {
          const double v = numpy.normal();
          if (j <= i) l[i * N + j] = v;
        }
      for (std::size_t i = 0; i < N; ++i) l[i * N + i] += std::exp(numpy.normal());
      for (std::size_t i = 0; i < N * N; ++i) l[i] *= 3.0;
    }
    out.permutation = numpy.permutation(kObservations);
    return out;
  }();
  return d;
}

void SlcpDistractors::informative(const double* x, double* slcp_x) {
  const auto& perm = distractors().permutation;
  for (std::size_t i = 0; i < kObservations; ++i)
    if (perm[i] < 8) slcp_x[perm[i]] = x[i];
}

void SlcpDistractors::simulate(RandomStream& r, const double* theta, double* x) const {
  const auto& d = distractors();
  double all[kObservations];
  slcp_.simulate(r, theta, all);
  // A component, then loc + L z √(ν / χ²_ν): χ²₂ is an exponential of mean 2.
  const std::size_t k = r.below(K);
  double z[N];
  for (auto& v : z) v = r.normal();
  const double scale = std::sqrt(kDegrees / (-2.0 * std::log(r.uniform())));
  const double* l = d.scale_tril.data() + k * N * N;
  for (std::size_t i = 0; i < N; ++i) {
    double s = 0;
    for (std::size_t j = 0; j <= i; ++j) s += l[i * N + j] * z[j];
    all[8 + i] = d.loc[k * N + i] + scale * s;
  }
  for (std::size_t i = 0; i < kObservations; ++i) x[i] = all[d.permutation[i]];
}

double SlcpDistractors::log_likelihood(const double* theta, const double* x) const {
  const auto& d = distractors();
  double slcp_x[8], noise[N];
  for (std::size_t i = 0; i < kObservations; ++i) {
    const std::size_t p = d.permutation[i];
    if (p < 8) slcp_x[p] = x[i]; else noise[p - 8] = x[i];
  }
  // The mixture of multivariate t: log Γ((ν+d)/2) − log Γ(ν/2) − d/2 log(νπ) − log|L| − (ν+d)/2 log(1 + ‖L⁻¹(x − μ)‖²/ν).
  const double constant = std::lgamma((kDegrees + N) / 2) - std::lgamma(kDegrees / 2) -
                          0.5 * double(N) * std::log(kDegrees * task_math::kPi) - std::log(double(K));
  double terms[K], top = task_math::kMinusInfinity;
  for (std::size_t k = 0; k < K; ++k) {
    const double* l = d.scale_tril.data() + k * N * N;
    double u[N], squared = 0, log_det = 0;
    for (std::size_t i = 0; i < N; ++i) {  // L u = x − μ
      double s = noise[i] - d.loc[k * N + i];
      for (std::size_t j = 0; j < i; ++j) s -= l[i * N + j] * u[j];
      u[i] = s / l[i * N + i];
      squared += u[i] * u[i];
      log_det += std::log(std::abs(l[i * N + i]));
    }
    terms[k] = constant - log_det - 0.5 * (kDegrees + N) * std::log1p(squared / kDegrees);
    top = std::max(top, terms[k]);
  }
  double sum = 0;
  for (const double t : terms) sum += std::exp(t - top);
  return slcp_.log_likelihood(theta, slcp_x) + top + std::log(sum);
}

ReferenceSampler slcp_distractors_reference(ReferenceSampler slcp_reference) {
  return [slcp_reference](const Simulator&, const double* x_o, std::size_t n, std::uint64_t seed,
                          const ReferenceSettings& settings) {
    double slcp_x[8];
    SlcpDistractors::informative(x_o, slcp_x);
    ReferenceSamples ref = slcp_reference(Slcp(), slcp_x, n, seed, settings);
    ref.method = "slcp's reference at the 8 informative values: " + ref.method;
    return ref;
  };
}

}  // namespace tractable
