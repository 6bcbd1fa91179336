#pragma once
// The stream of NumPy's legacy `np.random.RandomState(seed)`, for the fixed
// arrays that sbibm drew once from it and shipped only as PyTorch pickles:
// bernoulli_glm's stimulus (RandomState(42).randn(100)) and slcp_distractors'
// Student-t mixture and permutation (np.random.seed(42), then normal draws and
// a permutation). Rebuilding them from the seed keeps those tasks free of a
// data file; tests/unit/test_simulators.cpp checks the arrays against the
// copies in sbibm's task files. The generator is std::mt19937 (NumPy seeds
// its MT19937 with init_genrand, as the standard does); what NumPy adds on
// top, and what is reproduced here, is how it turns 32-bit words into a
// double (53 bits from two words), a normal (the polar method, the second
// value of each pair kept for the next call) and an integer below a bound
// (masked rejection, used by its Fisher–Yates shuffle).
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

namespace tractable {

class NumpyRandomState {
 public:
  explicit NumpyRandomState(std::uint32_t seed) : mt_(seed) {}

  // random_sample(): 53 random bits in [0, 1).
  double uniform() {
    const std::uint32_t a = mt_() >> 5, b = mt_() >> 6;
    return (a * 67108864.0 + b) / 9007199254740992.0;
  }
  // randn() / normal(): the polar method; each pair's first value is cached for the next call.
  double normal() {
    if (has_cached_) {
      has_cached_ = false;
      return cached_;
    }
    double x1, x2, r2;
    do {
      x1 = 2.0 * uniform() - 1.0;
      x2 = 2.0 * uniform() - 1.0;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 == 0.0);
    const double f = std::sqrt(-2.0 * std::log(r2) / r2);
    cached_ = f * x1;
    has_cached_ = true;
    return f * x2;
  }
  // An integer in [0, max] (max < 2³²): the smallest all-ones mask over max, words redrawn until below.
  std::uint32_t interval(std::uint32_t max) {
    if (max == 0) return 0;
    std::uint32_t mask = max;
    for (int shift = 1; shift < 32; shift <<= 1) mask |= mask >> shift;
    std::uint32_t value;
    while ((value = mt_() & mask) > max) {
    }
    return value;
  }
  // permutation(n): 0..n−1 shuffled by Fisher–Yates from the top.
  std::vector<std::size_t> permutation(std::size_t n) {
    std::vector<std::size_t> out(n);
    std::iota(out.begin(), out.end(), std::size_t{0});
    for (std::size_t i = n; i-- > 1;) std::swap(out[i], out[interval(static_cast<std::uint32_t>(i))]);
    return out;
  }

 private:
  std::mt19937 mt_;
  bool has_cached_ = false;
  double cached_ = 0;
};

}  // namespace tractable
