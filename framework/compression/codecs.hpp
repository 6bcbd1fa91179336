#pragma once
// Quantised distributions for rANS (compression/ans_message.hpp): every
// probability becomes an integer frequency out of 2^precision, at least 1 for
// every symbol, computed the same way by encoder and decoder from the same
// floats, so both sides hold identical tables.
//
//  * uniform over 2^bits symbols;
//  * Bernoulli from a probability p = P(x = 1);
//  * a latent coordinate discretised into 2^bits buckets (BB-ANS, Townsend
//    et al. 2019, §3.2), of equal mass under the prior N(0, 1), which is then
//    uniform over them, or of equal width; a Gaussian N(μ, σ²) (a posterior,
//    or a conditional prior) gets the mass Φ((e_{i+1} − μ)/σ) − Φ((e_i − μ)/σ)
//    of each bucket.
#include "compression/ans_message.hpp"

#include <cstdint>
#include <vector>

namespace tractable {

constexpr unsigned kMaxPrecision = 24;

// Frequencies of n symbols from cumulative probabilities c_0 = 0 ≤ c_1 ≤ … ≤ c_n = 1: C_i =
// round(c_i·(2^precision − n)) + i, so C is strictly increasing, C_n = 2^precision, each symbol ≥ 1.
std::vector<std::uint32_t> quantized_cdf(const std::vector<double>& cumulative, unsigned precision);

// Bernoulli(p) as two intervals of 2^precision: x = 0 → [0, f0), x = 1 → [f0, 2^precision).
AnsSymbol bernoulli_symbol(double p, int x, unsigned precision);
// The inverse: which x a cumulative frequency cf falls in.
int bernoulli_value(double p, std::uint32_t cf, unsigned precision, AnsSymbol& symbol);

// The buckets a latent coordinate is discretised into: 2^bits of them, each
// standing for its median (equal mass) or midpoint (equal width).
//  * equal_mass: of equal mass under N(0, 1), the prior p(z) of the top
//    layer, which is then uniform over them;
//  * equal_width: over [−radius, radius] (the outer two reaching to ±∞), for
//    z1 of a two-layer VAE, coded under p(z1|z2) and spread far wider than
//    N(0, 1) (a trained MNIST model's means reach ±17, where N(0, 1)'s last of
//    256 equal-mass buckets begins at 2.9).
class LatentBuckets {
 public:
  static LatentBuckets equal_mass(unsigned bits);
  static LatentBuckets equal_width(unsigned bits, double radius);
  unsigned bits() const { return bits_; }
  std::size_t count() const { return centres_.size(); }
  double centre(std::size_t bucket) const { return centres_[bucket]; }
  // N(mean, exp(log_variance)) over the buckets, quantised (count() + 1 cumulative values).
  std::vector<std::uint32_t> posterior_cdf(double mean, double log_variance, unsigned precision) const;
  // The bucket whose interval of `cdf` holds cf, and that interval.
  static std::size_t find(const std::vector<std::uint32_t>& cdf, std::uint32_t cf, AnsSymbol& symbol);

 private:
  explicit LatentBuckets(unsigned bits);
  unsigned bits_;
  std::vector<double> edges_;    // count() − 1 finite inner edges
  std::vector<double> centres_;  // count()
};

}  // namespace tractable
