#include "sbi/reference_posterior.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace tractable {

namespace {

double log_posterior(const Simulator& s, const std::vector<double>& theta, const double* x_o) {
  const double prior = s.log_prior(theta.data());
  if (!std::isfinite(prior)) return prior;
  return prior + s.log_likelihood(theta.data(), x_o);
}

// Systematic draws from cell probabilities: n indices, in random order.
std::vector<std::size_t> draw_cells(const std::vector<double>& weights, std::size_t n, RandomStream& r) {
  std::vector<double> cumulative(weights.size());
  std::partial_sum(weights.begin(), weights.end(), cumulative.begin());
  const double total = cumulative.back();
  std::vector<std::size_t> cells(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double u = r.uniform() * total;
    cells[i] = std::size_t(std::upper_bound(cumulative.begin(), cumulative.end(), u) - cumulative.begin());
    cells[i] = std::min(cells[i], weights.size() - 1);
  }
  return cells;
}

// A grid over the prior box [lo, hi]²: each cell's mass is the posterior at its centre times its area.
HostMatrix grid_posterior(const Simulator& s, const double* x_o, std::size_t n, RandomStream& r, std::size_t side,
                          double lo, double hi) {
  const double h = (hi - lo) / double(side);
  std::vector<double> log_mass(side * side);
  std::vector<double> theta(2);
  double top = -INFINITY;
  for (std::size_t a = 0; a < side; ++a)
    for (std::size_t b = 0; b < side; ++b) {
      theta[0] = lo + h * (double(a) + 0.5);
      theta[1] = lo + h * (double(b) + 0.5);
      log_mass[a * side + b] = log_posterior(s, theta, x_o);
      top = std::max(top, log_mass[a * side + b]);
    }
  if (!std::isfinite(top)) throw DataError(s.name() + ": the observation has zero posterior mass on the grid");
  std::vector<double> weights(side * side);
  for (std::size_t k = 0; k < weights.size(); ++k) weights[k] = std::exp(log_mass[k] - top);
  HostMatrix out("tractable::reference", n, 2);
  const auto cells = draw_cells(weights, n, r);
  for (std::size_t i = 0; i < n; ++i) {
    out(i, 0) = static_cast<Real>(lo + h * (double(cells[i] / side) + r.uniform()));
    out(i, 1) = static_cast<Real>(lo + h * (double(cells[i] % side) + r.uniform()));
  }
  return out;
}

HostMatrix rejection_abc(const Simulator& s, const double* y_o, std::size_t n, RandomStream& r, double epsilon,
                         std::size_t max_draws) {
  const std::size_t D = s.parameter_dim(), C = s.observation_dim();
  HostMatrix out("tractable::reference", n, D);
  std::vector<double> x(D), y(C);
  std::size_t accepted = 0, draws = 0;
  while (accepted < n) {
    if (++draws > max_draws)
      throw DataError(s.name() + ": rejection ABC accepted " + std::to_string(accepted) + " of " + std::to_string(n) +
                      " draws within ε = " + std::to_string(epsilon) + " after " + std::to_string(max_draws) +
                      " prior draws; the observation is too improbable under the prior");
    s.sample_prior(r, x.data());
    s.simulate(r, x.data(), y.data());
    double d2 = 0;
    for (std::size_t j = 0; j < C; ++j) d2 += (y[j] - y_o[j]) * (y[j] - y_o[j]);
    if (d2 >= epsilon * epsilon) continue;
    for (std::size_t j = 0; j < D; ++j) out(accepted, j) = static_cast<Real>(x[j]);
    ++accepted;
  }
  return out;
}

}  // namespace

HostMatrix slice_sampling_posterior(const Simulator& s, const double* x_o, std::size_t n, std::uint64_t seed,
                                    const ReferenceSettings& settings) {
  require(s.has_likelihood(), s.name() + ": MCMC needs a tractable likelihood");
  const std::size_t D = s.parameter_dim(), chains = std::max<std::size_t>(1, std::min(settings.chains, n));
  RandomStream r(seed, 0, Stream::mcmc);
  // Starting points: sampling-importance-resampling of prior draws, so chains start in the posterior's mass.
  std::vector<std::vector<double>> prior_draws(settings.sir_draws, std::vector<double>(D));
  std::vector<double> log_w(settings.sir_draws);
  double top = -INFINITY;
  for (std::size_t k = 0; k < settings.sir_draws; ++k) {
    s.sample_prior(r, prior_draws[k].data());
    log_w[k] = s.log_likelihood(prior_draws[k].data(), x_o);
    top = std::max(top, log_w[k]);
  }
  if (!std::isfinite(top)) throw DataError(s.name() + ": no prior draw explains the observation");
  std::vector<double> weights(settings.sir_draws);
  for (std::size_t k = 0; k < weights.size(); ++k) weights[k] = std::exp(log_w[k] - top);
  const auto starts = draw_cells(weights, chains, r);

  // Coordinate-wise slice sampling (Neal 2003): stepping out, then shrinkage; the width of each
  // coordinate follows the spread of the chains' recent moves during burn-in.
  std::vector<double> width(D, 0.1);
  HostMatrix out("tractable::reference", n, D);
  const std::size_t per_chain = (n + chains - 1) / chains;
  std::size_t written = 0;
  for (std::size_t c = 0; c < chains && written < n; ++c) {
    std::vector<double> theta = prior_draws[starts[c]];
    double current = log_posterior(s, theta, x_o);
    std::vector<double> moved(D, 0.0);
    const std::size_t sweeps = settings.burn_in + per_chain * settings.thin;
    for (std::size_t sweep = 0; sweep < sweeps; ++sweep) {
      for (std::size_t j = 0; j < D; ++j) {
        const double level = current + std::log(r.uniform());
        const double start = theta[j];
        double left = start - width[j] * r.uniform(), right = left + width[j];
        for (int m = 0; m < 100; ++m) {
          theta[j] = left;
          if (log_posterior(s, theta, x_o) <= level) break;
          left -= width[j];
        }
        for (int m = 0; m < 100; ++m) {
          theta[j] = right;
          if (log_posterior(s, theta, x_o) <= level) break;
          right += width[j];
        }
        while (true) {
          theta[j] = left + (right - left) * r.uniform();
          const double value = log_posterior(s, theta, x_o);
          if (value > level) {
            current = value;
            break;
          }
          if (theta[j] < start) left = theta[j]; else right = theta[j];
          if (right - left < 1e-12) {  // shrunk onto the start: stay
            theta[j] = start;
            current = log_posterior(s, theta, x_o);
            break;
          }
        }
        if (sweep < settings.burn_in) moved[j] = 0.9 * moved[j] + 0.1 * std::abs(theta[j] - start);
      }
      if (sweep + 1 == settings.burn_in / 2 || sweep + 1 == settings.burn_in)
        for (std::size_t j = 0; j < D; ++j) width[j] = std::max(2 * moved[j], 1e-4);
      if (sweep >= settings.burn_in && (sweep - settings.burn_in + 1) % settings.thin == 0 && written < n) {
        for (std::size_t j = 0; j < D; ++j) out(written, j) = static_cast<Real>(theta[j]);
        ++written;
      }
    }
  }
  // Interleave the chains' draws so any prefix mixes every chain.
  HostMatrix mixed("tractable::reference", n, D);
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[r.below(i)]);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < D; ++j) mixed(i, j) = out(order[i], j);
  return mixed;
}

RandomStream reference_stream(std::uint64_t seed) { return RandomStream(seed, 1, Stream::mcmc); }

ReferenceSampler grid_reference(double lo, double hi) {
  return [lo, hi](const Simulator& s, const double* x_o, std::size_t n, std::uint64_t seed,
                  const ReferenceSettings& settings) {
    RandomStream r = reference_stream(seed);
    return ReferenceSamples{grid_posterior(s, x_o, n, r, settings.grid, lo, hi),
                            "grid of " + std::to_string(settings.grid) +
                                "^2 cells over the prior box, uniform within a cell"};
  };
}

ReferenceSampler slice_sampling_reference(std::vector<std::size_t> symmetric_signs) {
  return [symmetric_signs](const Simulator& s, const double* x_o, std::size_t n, std::uint64_t seed,
                           const ReferenceSettings& settings) {
    RandomStream r = reference_stream(seed);
    ReferenceSamples ref{slice_sampling_posterior(s, x_o, n, seed, settings),
                         "slice-sampling MCMC: " + std::to_string(settings.chains) + " chains from SIR of " +
                             std::to_string(settings.sir_draws) + " prior draws, burn-in " +
                             std::to_string(settings.burn_in) + " sweeps, thinned by " + std::to_string(settings.thin)};
    if (symmetric_signs.empty()) return ref;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j : symmetric_signs)
        if (r.uniform() < 0.5) ref.samples(i, j) = -ref.samples(i, j);
    std::string names;
    for (std::size_t k = 0; k < symmetric_signs.size(); ++k)
      names += (k == 0 ? "" : k + 1 == symmetric_signs.size() ? " and " : ", ") + std::string("theta") +
               std::to_string(symmetric_signs[k] + 1);
    ref.method += "; signs of " + names + " drawn at random (an exact symmetry of the posterior)";
    return ref;
  };
}

ReferenceSampler rejection_abc_reference() {
  return [](const Simulator& s, const double* x_o, std::size_t n, std::uint64_t seed, const ReferenceSettings& settings) {
    RandomStream r = reference_stream(seed);
    return ReferenceSamples{rejection_abc(s, x_o, n, r, settings.abc_epsilon, settings.abc_max_draws),
                            "rejection ABC: prior draws with |f(x) - y| < " + std::to_string(settings.abc_epsilon)};
  };
}

}  // namespace tractable
