#include "mcmc/chain_statistics.hpp"

#include "core/error.hpp"
#include "core/random.hpp"

#include <cmath>

namespace tractable {

namespace {
std::size_t common_length(const Chains& chains) {
  require(!chains.empty() && !chains.front().empty(), "chain statistics: no chain steps");
  for (const auto& c : chains) require(c.size() == chains.front().size(), "chain statistics: chains differ in length");
  return chains.front().size();
}
}  // namespace

AutocorrelationTime integrated_autocorrelation_time(const Chains& chains, double c) {
  const std::size_t n = common_length(chains);
  double mean = 0;
  for (const auto& chain : chains)
    for (double v : chain) mean += v;
  mean /= double(n * chains.size());
  // Γ(t) averaged over the chains; computed lazily, t by t, until the window closes.
  auto autocovariance = [&](std::size_t lag) {
    double sum = 0;
    for (const auto& chain : chains)
      for (std::size_t i = 0; i + lag < n; ++i) sum += (chain[i] - mean) * (chain[i + lag] - mean);
    return sum / double((n - lag) * chains.size());
  };
  const double variance = autocovariance(0);
  AutocorrelationTime r;
  if (!(variance > 0)) return r;  // a constant chain (e.g. nothing ever accepted): nothing to correlate
  double tau = 0.5;
  for (std::size_t lag = 1; lag < n; ++lag) {
    tau += autocovariance(lag) / variance;
    if (double(lag) >= c * tau) {
      r.window = lag;
      break;
    }
    r.window = lag;
  }
  r.tau_int = std::max(tau, 0.5);
  return r;
}

std::size_t bootstrap_block_length(const AutocorrelationTime& tau) {
  return std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(4 * tau.tau_int)));
}

BootstrapEstimate susceptibility_with_bootstrap(const Chains& chains, double dim, std::size_t block,
                                                std::size_t resamples, std::uint64_t seed) {
  const std::size_t n = common_length(chains);
  block = std::max<std::size_t>(1, std::min(block, n));
  // Per block: Σ O and Σ O²; a resample draws whole blocks with replacement.
  std::vector<double> sum, sum_sq;
  std::vector<std::size_t> count;
  for (const auto& chain : chains)
    for (std::size_t start = 0; start < n; start += block) {
      double s = 0, s2 = 0;
      const std::size_t stop = std::min(n, start + block);
      for (std::size_t i = start; i < stop; ++i) {
        s += chain[i];
        s2 += chain[i] * chain[i];
      }
      sum.push_back(s);
      sum_sq.push_back(s2);
      count.push_back(stop - start);
    }
  auto chi = [&](auto&& weight_of_block) {
    double s = 0, s2 = 0, m = 0;
    for (std::size_t b = 0; b < sum.size(); ++b) {
      const double w = weight_of_block(b);
      s += w * sum[b];
      s2 += w * sum_sq[b];
      m += w * double(count[b]);
    }
    const double mean = s / m;
    return (s2 / m - mean * mean) / dim;
  };
  BootstrapEstimate r;
  r.block = block;
  r.value = chi([](std::size_t) { return 1.0; });
  if (resamples < 2) return r;
  RandomStream stream(seed, 0, Stream::eval);
  std::vector<double> times_drawn(sum.size()), values;
  for (std::size_t k = 0; k < resamples; ++k) {
    std::fill(times_drawn.begin(), times_drawn.end(), 0.0);
    for (std::size_t b = 0; b < sum.size(); ++b) times_drawn[stream.below(sum.size())] += 1;
    values.push_back(chi([&](std::size_t b) { return times_drawn[b]; }));
  }
  double mean = 0, var = 0;
  for (double v : values) mean += v;
  mean /= double(values.size());
  for (double v : values) var += (v - mean) * (v - mean);
  r.error = std::sqrt(var / double(values.size() - 1));
  return r;
}

}  // namespace tractable
