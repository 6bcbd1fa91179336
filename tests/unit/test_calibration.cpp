// The calibration statistics of `tractable diagnose` (sbi/calibration.hpp)
// against ground truth: on a conjugate Gaussian model, where the posterior is
// known in closed form, exact posterior draws give uniform SBC ranks and
// coverage equal to the level for HDR and TARP; an over-confident posterior
// (half the width) and a biased one (shifted by one posterior sd) are caught.
#include <catch2/catch.hpp>

#include "core/random.hpp"
#include "sbi/calibration.hpp"

#include <algorithm>
#include <cmath>

using namespace tractable;

namespace {
// θ ~ N(0, I_D), x ~ N(θ, I_D): the posterior is N(x/2, I/2). `scale` and `shift` distort the draws (1, 0: exact).
struct Diagnosed {
  std::vector<double> p_values, hdr_coverage, tarp_coverage;
};
Diagnosed diagnose_gaussian(std::size_t n, std::size_t L, std::size_t D, double scale, double shift) {
  RandomStream r(3, 0, Stream::data);
  std::vector<double> truth(n * D), draws(n * L * D), log_q_truth(n), log_q(n * L);
  const double sd = std::sqrt(0.5) * scale;
  auto log_density = [&](const double* theta, const double* mean) {
    double s = 0;
    for (std::size_t j = 0; j < D; ++j) s += -0.5 * (theta[j] - mean[j]) * (theta[j] - mean[j]) / (sd * sd);
    return s;
  };
  std::vector<double> mean(D);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < D; ++j) {
      truth[i * D + j] = r.normal();
      mean[j] = 0.5 * (truth[i * D + j] + r.normal()) + shift * std::sqrt(0.5);
    }
    for (std::size_t l = 0; l < L; ++l) {
      double* theta = &draws[(i * L + l) * D];
      for (std::size_t j = 0; j < D; ++j) theta[j] = mean[j] + sd * r.normal();
      log_q[i * L + l] = log_density(theta, mean.data());
    }
    log_q_truth[i] = log_density(&truth[i * D], mean.data());
  }
  Diagnosed out;
  const auto ranks = sbc_ranks(truth, draws, n, L, D);
  for (std::size_t j = 0; j < D; ++j) out.p_values.push_back(rank_uniformity_p_value(ranks, n, D, j, L));
  out.hdr_coverage = coverage(hdr_fractions(log_q_truth, log_q, n, L), coverage_levels());
  out.tarp_coverage = coverage(tarp_fractions(truth, draws, n, L, D, 7), coverage_levels());
  return out;
}
}  // namespace

TEST_CASE("calibration: exact posterior draws are calibrated by every statistic", "[sbi]") {
  const std::size_t n = 4000;
  const auto d = diagnose_gaussian(n, 200, 3, 1.0, 0.0);
  for (const double p : d.p_values) CHECK(p > 1e-4);
  const auto levels = coverage_levels();
  for (std::size_t k = 0; k < levels.size(); ++k) {
    const double se = std::sqrt(levels[k] * (1 - levels[k]) / double(n));
    INFO("level " << levels[k] << ": HDR " << d.hdr_coverage[k] << ", TARP " << d.tarp_coverage[k]);
    CHECK(std::abs(d.hdr_coverage[k] - levels[k]) < 4 * se + 0.01);  // + the L = 200 draws' discreteness
    CHECK(std::abs(d.tarp_coverage[k] - levels[k]) < 4 * se + 0.01);
  }
}

TEST_CASE("calibration: an over-confident and a biased posterior are caught", "[sbi]") {
  const std::size_t n = 2000;
  const auto narrow = diagnose_gaussian(n, 200, 3, 0.5, 0.0);
  for (const double p : narrow.p_values) CHECK(p < 1e-6);
  // The central 50 % region of a posterior half as wide holds the truth far less often than half the time.
  CHECK(narrow.hdr_coverage[9] < 0.3);
  // TARP sees it across the levels rather than at one: its largest gap is many standard errors (about 0.011).
  double tarp_gap = 0;
  for (std::size_t k = 0; k < 19; ++k) tarp_gap = std::max(tarp_gap, std::abs(narrow.tarp_coverage[k] - 0.05 * double(k + 1)));
  INFO("TARP's largest gap to the level, over-confident: " << tarp_gap);
  CHECK(tarp_gap > 0.1);
  const auto shifted = diagnose_gaussian(n, 200, 3, 1.0, 1.0);
  for (const double p : shifted.p_values) CHECK(p < 1e-6);
  CHECK(shifted.hdr_coverage[9] < 0.4);
}

TEST_CASE("calibration: ranks and fractions on a hand-made case", "[sbi]") {
  // Two pairs, three draws, one coordinate: ranks count draws below the truth.
  const std::vector<double> truth{0.5, 2.0}, draws{0.1, 0.9, 0.4, 3.0, 1.0, 2.5};
  const auto ranks = sbc_ranks(truth, draws, 2, 3, 1);
  CHECK(ranks == std::vector<double>{2, 1});
  const auto hdr = hdr_fractions({-1.0, -5.0}, {-0.5, -2.0, -1.5, -1.0, -6.0, -4.0}, 2, 3);
  CHECK(hdr[0] == Approx(1.0 / 3));
  CHECK(hdr[1] == Approx(2.0 / 3));
  CHECK(coverage({0.1, 0.3, 0.6, 0.9}, {0.5, 1.0}) == std::vector<double>{0.5, 1.0});
  // Perfectly uniform ranks over 0..9 in 10 bins: χ² = 0, p = 1.
  std::vector<double> uniform;
  for (int k = 0; k < 100; ++k) uniform.push_back(k % 10);
  CHECK(rank_uniformity_p_value(uniform, 100, 1, 0, 9) == Approx(1.0));
}
