#pragma once
// A vectorised rANS message (Duda 2013), laid out as in Townsend et al.'s
// BB-ANS implementation: `lanes` 64-bit states (the head), each kept in
// [2^31, 2^63) by moving 32-bit words to and from one shared stack (the
// tail). A push or pop of n symbols sends symbol i through lane i mod lanes;
// pushes visit i = 0 … n−1 and pops i = n−1 … 0, so a pop undoes the matching
// push exactly, word for word. Every symbol is an interval [start, start +
// frequency) of 2^precision (precision ≤ 24, frequency ≥ 1): the integer
// tables codecs.hpp builds, identical on both sides.
//
// The tail starts with a seeded random prefix (the "initial bits" the first
// pops borrow); words of it that were never popped are regenerated from the
// seed by the decoder rather than stored.
#include <cstdint>
#include <functional>
#include <vector>

namespace tractable {

struct AnsSymbol {
  std::uint32_t start = 0, frequency = 1;
};

class AnsMessage {
 public:
  // Heads at their lower bound 2^31, the tail `prefix_words` seeded random words.
  AnsMessage(std::size_t lanes, std::size_t prefix_words, std::uint64_t seed);

  // Pushes n symbols given as intervals of 2^precision, over the first `lanes` heads (0: all).
  void push(const std::vector<AnsSymbol>& symbols, unsigned precision, std::size_t lanes = 0);
  // Pops n symbols: `lookup(i, cf)` maps symbol i's cumulative frequency cf ∈ [0, 2^precision)
  // to its interval (the codec's inverse CDF) and records the symbol. `lanes` as for push.
  void pop(std::size_t n, unsigned precision, const std::function<AnsSymbol(std::size_t, std::uint32_t)>& lookup,
           std::size_t lanes = 0);

  std::size_t lanes() const { return head_.size(); }
  // Size in bits: 64 per head plus 32 per tail word (what flatten() stores, before prefix sharing).
  double bits() const { return 64.0 * double(head_.size()) + 32.0 * double(tail_.size()); }
  // The prefix words never popped so far: the decoder regenerates them from the seed.
  std::size_t untouched_prefix() const { return low_water_; }

  // The heads (2 words each, low word first) and the tail above the first `untouched_prefix()` words.
  std::vector<std::uint32_t> flatten() const;
  // The inverse of flatten() for a message of `lanes` lanes whose first `untouched` prefix words
  // come from (prefix_words, seed); false when `words` is too short to hold the heads.
  static bool unflatten(const std::vector<std::uint32_t>& words, std::size_t lanes, std::size_t untouched,
                        std::size_t prefix_words, std::uint64_t seed, AnsMessage& out);
  // True when the message is back at its initial state: what a complete decode must end with.
  bool is_initial(std::size_t prefix_words, std::uint64_t seed) const;

 private:
  static std::vector<std::uint32_t> prefix(std::size_t words, std::uint64_t seed);

  std::vector<std::uint64_t> head_;
  std::vector<std::uint32_t> tail_;
  std::size_t low_water_ = 0;  // the lowest tail size seen: words below it were never popped
};

}  // namespace tractable
