#pragma once
// Counter-based random numbers: draw i of a stream is a pure function of
// (seed, rank, stream, counter + i). Unlike a pool of stateful generators this
// gives the same numbers on every backend and thread count, and a stream's
// whole state is one integer, which the checkpoint stores for exact resume.
#include "core/types.hpp"
#include "core/vector_math.hpp"  // Box–Muller vectorises over a row (random.cpp)

#include <cmath>
#include <cstdint>

namespace tractable {

// The purposes a run draws random numbers for; each gets its own stream.
enum class Stream : std::uint64_t { init = 1, data = 2, sample = 3, noise = 4, eval = 5, binarize = 6, mcmc = 7 };

KOKKOS_INLINE_FUNCTION std::uint64_t mix64(std::uint64_t z) {
  // SplitMix64 finaliser (Steele, Lea, Flood 2014): a bijective avalanche mix.
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Uniform in the open interval (0, 1), from 53 random bits.
KOKKOS_INLINE_FUNCTION double uniform_at(std::uint64_t key, std::uint64_t counter) {
  const std::uint64_t bits = mix64(key ^ mix64(counter)) >> 11;
  return (static_cast<double>(bits) + 0.5) * (1.0 / 9007199254740992.0);
}

// Standard normal by Box–Muller from draws 2i and 2i+1.
KOKKOS_INLINE_FUNCTION double normal_at(std::uint64_t key, std::uint64_t counter) {
  // A derived key keeps normal draws independent of uniform draws on the same stream.
  const std::uint64_t normal_key = mix64(key ^ 0xA5A5A5A5A5A5A5A5ULL);
  const double u1 = uniform_at(normal_key, 2 * counter);
  const double u2 = uniform_at(normal_key, 2 * counter + 1);
  return kmath::sqrt(-2.0 * kmath::log(u1)) *
         kmath::cos(6.283185307179586 * u2);
}

class RandomStream {
 public:
  RandomStream(std::uint64_t seed, int rank, Stream stream, std::uint64_t counter = 0)
      : key_(mix64(mix64(mix64(seed) ^ static_cast<std::uint64_t>(rank)) ^ static_cast<std::uint64_t>(stream))),
        counter_(counter) {}

  // Device fills; each advances the counter by the number of draws.
  void fill_normal(const Matrix& out /*[rows, cols]*/, Real mean = 0, Real stddev = 1);
  void fill_uniform(const Matrix& out /*[rows, cols]*/, Real low, Real high);
  // Fills `out` with draws first_draw, first_draw + 1, … without moving the
  // counter: a rank's share of a globally indexed block of noise.
  void fill_normal_at(const Matrix& out /*[rows, cols]*/, std::uint64_t first_draw) const;

  // Host draws (shuffles, toy data generation).
  double uniform() { return uniform_at(key_, counter_++); }
  double normal() { return normal_at(key_, counter_++); }
  std::uint64_t below(std::uint64_t n) { return static_cast<std::uint64_t>(uniform() * static_cast<double>(n)) % n; }

  std::uint64_t counter() const { return counter_; }
  std::uint64_t key() const { return key_; }  // for kernels drawing with uniform_at/normal_at
  void set_counter(std::uint64_t c) { counter_ = c; }

 private:
  std::uint64_t key_;
  std::uint64_t counter_;
};

}  // namespace tractable
