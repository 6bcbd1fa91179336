#include "compression/ans_message.hpp"

#include "core/error.hpp"
#include "core/random.hpp"

#include <algorithm>

namespace tractable {

namespace {
constexpr std::uint64_t kLowerBound = std::uint64_t(1) << 31;  // heads live in [2^31, 2^63)
}

std::vector<std::uint32_t> AnsMessage::prefix(std::size_t words, std::uint64_t seed) {
  std::vector<std::uint32_t> out(words);
  const std::uint64_t key = mix64(seed ^ 0x62622d616e73ULL);  // "bb-ans": apart from the training streams
  for (std::size_t k = 0; k < words; ++k) out[k] = static_cast<std::uint32_t>(mix64(key + k));
  return out;
}

AnsMessage::AnsMessage(std::size_t lanes, std::size_t prefix_words, std::uint64_t seed)
    : head_(lanes, kLowerBound), tail_(prefix(prefix_words, seed)), low_water_(prefix_words) {
  if (lanes == 0) throw UsageError("an rANS message needs at least one lane");
}

void AnsMessage::push(const std::vector<AnsSymbol>& symbols, unsigned precision, std::size_t used) {
  const std::size_t lanes = used == 0 ? head_.size() : std::min(used, head_.size());
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    std::uint64_t& x = head_[i % lanes];
    const AnsSymbol s = symbols[i];
    // Renormalise first, so that after the update x is again below 2^63.
    if (x >= ((kLowerBound >> precision) << 32) * s.frequency) {
      tail_.push_back(static_cast<std::uint32_t>(x));
      x >>= 32;
    }
    x = ((x / s.frequency) << precision) + x % s.frequency + s.start;
  }
}

void AnsMessage::pop(std::size_t n, unsigned precision,
                     const std::function<AnsSymbol(std::size_t, std::uint32_t)>& lookup, std::size_t used) {
  const std::size_t lanes = used == 0 ? head_.size() : std::min(used, head_.size());
  const std::uint64_t mask = (std::uint64_t(1) << precision) - 1;
  for (std::size_t i = n; i-- > 0;) {
    std::uint64_t& x = head_[i % lanes];
    const auto cf = static_cast<std::uint32_t>(x & mask);
    const AnsSymbol s = lookup(i, cf);
    x = s.frequency * (x >> precision) + cf - s.start;
    if (x < kLowerBound) {
      // An empty tail means the initial bits ran out: only a corrupt message (or a decoder that
      // computes other tables than the encoder did) gets here.
      if (tail_.empty()) throw DataError("the compressed message ran out of bits (corrupt, or another model)");
      x = (x << 32) | tail_.back();
      tail_.pop_back();
      if (tail_.size() < low_water_) low_water_ = tail_.size();
    }
  }
}

std::vector<std::uint32_t> AnsMessage::flatten() const {
  std::vector<std::uint32_t> words;
  words.reserve(2 * head_.size() + tail_.size() - low_water_);
  for (const std::uint64_t x : head_) {
    words.push_back(static_cast<std::uint32_t>(x));
    words.push_back(static_cast<std::uint32_t>(x >> 32));
  }
  words.insert(words.end(), tail_.begin() + static_cast<std::ptrdiff_t>(low_water_), tail_.end());
  return words;
}

bool AnsMessage::unflatten(const std::vector<std::uint32_t>& words, std::size_t lanes, std::size_t untouched,
                           std::size_t prefix_words, std::uint64_t seed, AnsMessage& out) {
  if (lanes == 0 || words.size() < 2 * lanes || untouched > prefix_words) return false;
  AnsMessage m(lanes, prefix_words, seed);
  for (std::size_t l = 0; l < lanes; ++l) {
    m.head_[l] = std::uint64_t(words[2 * l]) | (std::uint64_t(words[2 * l + 1]) << 32);
    if (m.head_[l] < kLowerBound || m.head_[l] >> 63) return false;
  }
  m.tail_.resize(untouched);
  m.tail_.insert(m.tail_.end(), words.begin() + static_cast<std::ptrdiff_t>(2 * lanes), words.end());
  m.low_water_ = untouched;
  out = std::move(m);
  return true;
}

bool AnsMessage::is_initial(std::size_t prefix_words, std::uint64_t seed) const {
  for (const std::uint64_t x : head_)
    if (x != kLowerBound) return false;
  return tail_ == prefix(prefix_words, seed);
}

}  // namespace tractable
