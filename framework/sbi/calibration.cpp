#include "sbi/calibration.hpp"

#include "core/error.hpp"
#include "core/random.hpp"

#include <boost/math/distributions/chi_squared.hpp>

#include <algorithm>
#include <cmath>

namespace tractable {

std::vector<double> sbc_ranks(const std::vector<double>& truth, const std::vector<double>& draws, std::size_t n,
                              std::size_t L, std::size_t D) {
  require(truth.size() == n * D && draws.size() == n * L * D, "sbc_ranks: shapes do not match");
  std::vector<double> ranks(n * D, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t l = 0; l < L; ++l)
      for (std::size_t j = 0; j < D; ++j) ranks[i * D + j] += draws[(i * L + l) * D + j] < truth[i * D + j];
  return ranks;
}

double rank_uniformity_p_value(const std::vector<double>& ranks, std::size_t n, std::size_t D, std::size_t j,
                               std::size_t L, std::size_t bins) {
  require(n > 0 && bins > 1, "rank_uniformity_p_value: no ranks");
  std::vector<double> count(bins, 0.0);
  const double width = double(L + 1) / double(bins);
  for (std::size_t i = 0; i < n; ++i)
    count[std::min(bins - 1, static_cast<std::size_t>(ranks[i * D + j] / width))] += 1;
  // Expected counts per bin: the integer ranks 0..L each with probability 1/(L + 1), binned as above.
  std::vector<double> expected(bins, 0.0);
  for (std::size_t r = 0; r <= L; ++r) expected[std::min(bins - 1, static_cast<std::size_t>(double(r) / width))] += 1;
  double statistic = 0;
  for (std::size_t b = 0; b < bins; ++b) {
    const double e = double(n) * expected[b] / double(L + 1);
    if (e > 0) statistic += (count[b] - e) * (count[b] - e) / e;
  }
  return boost::math::cdf(boost::math::complement(boost::math::chi_squared_distribution<double>(double(bins - 1)), statistic));
}

std::vector<double> hdr_fractions(const std::vector<double>& log_q_truth, const std::vector<double>& log_q_draws,
                                  std::size_t n, std::size_t L) {
  require(log_q_truth.size() == n && log_q_draws.size() == n * L, "hdr_fractions: shapes do not match");
  std::vector<double> out(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t denser = 0;
    for (std::size_t l = 0; l < L; ++l) denser += log_q_draws[i * L + l] > log_q_truth[i];
    out[i] = double(denser) / double(L);
  }
  return out;
}

std::vector<double> tarp_fractions(const std::vector<double>& truth, const std::vector<double>& draws, std::size_t n,
                                   std::size_t L, std::size_t D, std::uint64_t seed) {
  require(truth.size() == n * D && draws.size() == n * L * D && n > 1, "tarp_fractions: shapes do not match");
  std::vector<double> mean(D, 0.0), sd(D, 0.0), lo(D, INFINITY), hi(D, -INFINITY);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < D; ++j) mean[j] += truth[i * D + j] / double(n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < D; ++j) sd[j] += (truth[i * D + j] - mean[j]) * (truth[i * D + j] - mean[j]) / double(n - 1);
  for (std::size_t j = 0; j < D; ++j) sd[j] = sd[j] > 0 ? std::sqrt(sd[j]) : 1.0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < D; ++j) {
      const double z = (truth[i * D + j] - mean[j]) / sd[j];
      lo[j] = std::min(lo[j], z);
      hi[j] = std::max(hi[j], z);
    }
  std::vector<double> out(n), reference(D);
  for (std::size_t i = 0; i < n; ++i) {
    RandomStream r(seed, 0, Stream::eval, i * D);  // the pair's own reference point, whatever the sharding
    for (std::size_t j = 0; j < D; ++j) reference[j] = lo[j] + (hi[j] - lo[j]) * r.uniform();
    auto distance = [&](const double* theta) {
      double s = 0;
      for (std::size_t j = 0; j < D; ++j) {
        const double d = (theta[j] - mean[j]) / sd[j] - reference[j];
        s += d * d;
      }
      return s;
    };
    const double to_truth = distance(&truth[i * D]);
    std::size_t closer = 0;
    for (std::size_t l = 0; l < L; ++l) closer += distance(&draws[(i * L + l) * D]) < to_truth;
    out[i] = double(closer) / double(L);
  }
  return out;
}

std::vector<double> coverage(const std::vector<double>& fractions, const std::vector<double>& levels) {
  std::vector<double> out;
  for (const double level : levels) {
    std::size_t inside = 0;
    for (const double f : fractions) inside += f < level;
    out.push_back(fractions.empty() ? 0.0 : double(inside) / double(fractions.size()));
  }
  return out;
}

std::vector<double> coverage_levels() {
  std::vector<double> out;
  for (int k = 1; k <= 19; ++k) out.push_back(0.05 * k);
  return out;
}

}  // namespace tractable
