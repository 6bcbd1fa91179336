#pragma once
// Quantised distributions for rANS (compression/ans_message.hpp): every
// probability becomes an integer frequency out of 2^precision, at least 1 for
// every symbol, computed the same way by encoder and decoder from the same
// floats, so both sides hold identical tables.
//
//  * uniform over 2^bits symbols;
//  * Bernoulli from a probability p = P(x = 1);
//  * a latent coordinate discretised into 2^bucket_bits buckets of equal mass
//    under the prior N(0, 1) (BB-ANS, Townsend et al. 2019, §3.2): under the
//    prior each bucket is uniform; a Gaussian posterior N(μ, σ²) gets the
//    mass Φ((e_{i+1} − μ)/σ) − Φ((e_i − μ)/σ) of each bucket, and the
//    latent value a bucket stands for is its prior median Φ⁻¹((i + ½)/2^bits).
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

// The bucket edges and centres of a standard normal split into 2^bits buckets of equal mass.
class EqualMassBuckets {
 public:
  explicit EqualMassBuckets(unsigned bits);
  unsigned bits() const { return bits_; }
  std::size_t count() const { return centres_.size(); }
  double centre(std::size_t bucket) const { return centres_[bucket]; }
  // The posterior N(mean, exp(log_variance)) over the buckets, quantised (count() + 1 cumulative values).
  std::vector<std::uint32_t> posterior_cdf(double mean, double log_variance, unsigned precision) const;
  // The bucket whose interval of `cdf` holds cf, and that interval.
  static std::size_t find(const std::vector<std::uint32_t>& cdf, std::uint32_t cf, AnsSymbol& symbol);

 private:
  unsigned bits_;
  std::vector<double> edges_;    // count() − 1 finite inner edges
  std::vector<double> centres_;  // count()
};

}  // namespace tractable
