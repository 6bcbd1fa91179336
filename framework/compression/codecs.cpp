#include "compression/codecs.hpp"

#include "core/error.hpp"

#include <boost/math/distributions/normal.hpp>

#include <algorithm>
#include <cmath>

namespace tractable {

std::vector<std::uint32_t> quantized_cdf(const std::vector<double>& cumulative, unsigned precision) {
  const std::size_t n = cumulative.size() - 1;
  const double spare = double((std::uint64_t(1) << precision) - n);
  if (n == 0 || spare < 0) throw UsageError("quantized_cdf: 2^" + std::to_string(precision) + " cannot hold " +
                                            std::to_string(n) + " symbols of frequency ≥ 1");
  std::vector<std::uint32_t> out(n + 1);
  for (std::size_t i = 0; i <= n; ++i) {
    if (!std::isfinite(cumulative[i]) || (i > 0 && cumulative[i] < cumulative[i - 1]))
      throw DataError("quantized_cdf: the probabilities are not a distribution (value " + std::to_string(cumulative[i]) +
                      " at " + std::to_string(i) + ")");
    const double c = std::clamp(cumulative[i], 0.0, 1.0);
    out[i] = static_cast<std::uint32_t>(std::llround(c * spare)) + static_cast<std::uint32_t>(i);
  }
  out.front() = 0;  // exactly, whatever rounding did at the ends
  out.back() = static_cast<std::uint32_t>(std::uint64_t(1) << precision);
  return out;
}

namespace {
std::uint32_t bernoulli_zero_frequency(double p, unsigned precision) {
  if (!(p >= 0 && p <= 1)) throw DataError("a Bernoulli probability is " + std::to_string(p) + ", outside [0, 1]");
  const double total = double(std::uint64_t(1) << precision);
  // P(x = 0) = 1 − p, kept in [1, 2^precision − 1] so both values stay codable.
  return static_cast<std::uint32_t>(std::clamp(std::llround((1 - p) * total), 1LL, static_cast<long long>(total) - 1));
}
}  // namespace

AnsSymbol bernoulli_symbol(double p, int x, unsigned precision) {
  const std::uint32_t f0 = bernoulli_zero_frequency(p, precision);
  const auto total = static_cast<std::uint32_t>(std::uint64_t(1) << precision);
  return x ? AnsSymbol{f0, total - f0} : AnsSymbol{0, f0};
}

int bernoulli_value(double p, std::uint32_t cf, unsigned precision, AnsSymbol& symbol) {
  const std::uint32_t f0 = bernoulli_zero_frequency(p, precision);
  const int x = cf >= f0 ? 1 : 0;
  symbol = bernoulli_symbol(p, x, precision);
  return x;
}

LatentBuckets::LatentBuckets(unsigned bits) : bits_(bits) {
  if (bits < 1 || bits > 16) throw UsageError("latent buckets: 2^" + std::to_string(bits) + " is out of range (bits 1-16)");
}

LatentBuckets LatentBuckets::equal_mass(unsigned bits) {
  LatentBuckets b(bits);
  const boost::math::normal standard;
  const std::size_t n = std::size_t(1) << bits;
  for (std::size_t i = 1; i < n; ++i) b.edges_.push_back(boost::math::quantile(standard, double(i) / double(n)));
  for (std::size_t i = 0; i < n; ++i) b.centres_.push_back(boost::math::quantile(standard, (double(i) + 0.5) / double(n)));
  return b;
}

LatentBuckets LatentBuckets::equal_width(unsigned bits, double radius) {
  if (!(radius > 0) || !std::isfinite(radius))
    throw DataError("latent buckets: the radius " + std::to_string(radius) + " is not positive");
  LatentBuckets b(bits);
  const std::size_t n = std::size_t(1) << bits;
  const double width = 2 * radius / double(n);
  for (std::size_t i = 1; i < n; ++i) b.edges_.push_back(-radius + double(i) * width);
  for (std::size_t i = 0; i < n; ++i) b.centres_.push_back(-radius + (double(i) + 0.5) * width);
  return b;
}

std::vector<std::uint32_t> LatentBuckets::posterior_cdf(double mean, double log_variance, unsigned precision) const {
  const double sigma = std::exp(0.5 * log_variance);
  if (!std::isfinite(mean) || !(sigma > 0) || !std::isfinite(sigma))
    throw DataError("a posterior N(" + std::to_string(mean) + ", exp(" + std::to_string(log_variance) +
                    ")) cannot be discretised");
  std::vector<double> cumulative(count() + 1);
  // Φ((e − μ)/σ) = ½ erfc(−(e − μ)/(σ√2)): the same expression on both sides, so the same bits. Beyond
  // 40σ it is exactly 0 or 1 in double precision: only the edges within are evaluated.
  const auto first = std::lower_bound(edges_.begin(), edges_.end(), mean - 40 * sigma) - edges_.begin();
  const auto last = std::upper_bound(edges_.begin(), edges_.end(), mean + 40 * sigma) - edges_.begin();
  for (std::ptrdiff_t i = 0; i <= first; ++i) cumulative[i] = 0;
  for (std::ptrdiff_t i = first; i < last; ++i)
    cumulative[i + 1] = 0.5 * std::erfc(-(edges_[i] - mean) / (sigma * std::sqrt(2.0)));
  for (std::size_t i = last + 1; i <= count(); ++i) cumulative[i] = 1;
  return quantized_cdf(cumulative, precision);
}

std::size_t LatentBuckets::find(const std::vector<std::uint32_t>& cdf, std::uint32_t cf, AnsSymbol& symbol) {
  // The last i with cdf[i] ≤ cf.
  const auto it = std::upper_bound(cdf.begin(), cdf.end(), cf);
  const std::size_t i = static_cast<std::size_t>(it - cdf.begin()) - 1;
  symbol = {cdf[i], cdf[i + 1] - cdf[i]};
  return i;
}

}  // namespace tractable
