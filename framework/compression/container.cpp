#include "compression/container.hpp"

#include "core/error.hpp"

#include <cstring>

namespace tractable {

namespace {
constexpr char kMagic[8] = {'T', 'R', 'A', 'C', 'T', 'B', 'C', '\0'};

template <class T>
void put(std::string& out, T value) {
  for (std::size_t b = 0; b < sizeof(T); ++b) out.push_back(static_cast<char>((std::uint64_t(value) >> (8 * b)) & 0xFF));
}

class Reader {
 public:
  Reader(const std::string& bytes, std::size_t end, const std::string& where) : bytes_(bytes), end_(end), where_(where) {}
  template <class T>
  T get(const char* field) {
    need(sizeof(T), field);
    std::uint64_t v = 0;
    for (std::size_t b = 0; b < sizeof(T); ++b) v |= std::uint64_t(static_cast<unsigned char>(bytes_[at_ + b])) << (8 * b);
    at_ += sizeof(T);
    return static_cast<T>(v);
  }
  void copy(void* to, std::size_t n, const char* field) {
    need(n, field);
    std::memcpy(to, bytes_.data() + at_, n);
    at_ += n;
  }
  std::size_t at() const { return at_; }

 private:
  void need(std::size_t n, const char* field) const {
    if (at_ + n > end_)
      throw DataError(where_ + ": truncated: it ends inside the " + field + " (" + std::to_string(bytes_.size()) +
                      " bytes)");
  }
  const std::string& bytes_;
  std::size_t end_, at_ = 0;
  const std::string& where_;
};
}  // namespace

std::string serialize(const CompressedFile& f) {
  std::string out(kMagic, sizeof kMagic);
  put<std::uint32_t>(out, f.format_version);
  put<std::uint64_t>(out, f.images);
  put<std::uint64_t>(out, f.pixels);
  put<std::uint32_t>(out, f.latent);
  put<std::uint32_t>(out, f.settings.latent_bits);
  put<std::uint32_t>(out, f.settings.posterior_precision);
  put<std::uint32_t>(out, f.settings.likelihood_precision);
  put<std::uint32_t>(out, static_cast<std::uint32_t>(f.settings.lanes));
  put<std::uint32_t>(out, static_cast<std::uint32_t>(f.settings.prefix_words));
  put<std::uint64_t>(out, f.settings.seed);
  put<std::uint64_t>(out, f.code.untouched_prefix);
  std::uint64_t scale_bits;
  std::memcpy(&scale_bits, &f.code.z1_radius, sizeof scale_bits);
  put<std::uint64_t>(out, scale_bits);
  out.append(reinterpret_cast<const char*>(f.model.data()), f.model.size());
  put<std::uint64_t>(out, f.code.words.size());
  for (const std::uint32_t w : f.code.words) put<std::uint32_t>(out, w);
  const Sha256 check = sha256(out.data(), out.size());
  out.append(reinterpret_cast<const char*>(check.data()), check.size());
  return out;
}

CompressedFile parse_compressed(const std::string& bytes, const std::string& where) {
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    throw DataError(where + ": not a file of tractable compress (no TRACTBC magic)");
  Reader r(bytes, bytes.size(), where);
  CompressedFile f;
  char magic[8];
  r.copy(magic, sizeof magic, "magic");
  f.format_version = r.get<std::uint32_t>("format version");
  if (f.format_version > kContainerVersion)
    throw DataError(where + ": format version " + std::to_string(f.format_version) + " is newer than this tractable reads (" +
                    std::to_string(kContainerVersion) + "); decompress it with the version that wrote it");
  if (f.format_version == 0) throw DataError(where + ": format version 0 is not a valid version");
  f.images = r.get<std::uint64_t>("header");
  f.pixels = r.get<std::uint64_t>("header");
  f.latent = r.get<std::uint32_t>("header");
  f.settings.latent_bits = r.get<std::uint32_t>("header");
  f.settings.posterior_precision = r.get<std::uint32_t>("header");
  f.settings.likelihood_precision = r.get<std::uint32_t>("header");
  f.settings.lanes = r.get<std::uint32_t>("header");
  f.settings.prefix_words = r.get<std::uint32_t>("header");
  f.settings.seed = r.get<std::uint64_t>("header");
  f.code.untouched_prefix = r.get<std::uint64_t>("header");
  const std::uint64_t scale_bits = r.get<std::uint64_t>("header");
  std::memcpy(&f.code.z1_radius, &scale_bits, sizeof scale_bits);
  r.copy(f.model.data(), f.model.size(), "header");
  const std::uint64_t count = r.get<std::uint64_t>("header");
  const std::uint64_t expected = r.at() + 4 * count + 32;
  if (count > bytes.size() / 4 || bytes.size() < expected)
    throw DataError(where + ": truncated: the header announces " + std::to_string(count) + " words (" +
                    std::to_string(expected) + " bytes in all), the file has " + std::to_string(bytes.size()) + " bytes");
  if (bytes.size() > expected)
    throw DataError(where + ": " + std::to_string(bytes.size() - expected) + " bytes after the end of the compressed data");
  f.code.words.resize(count);
  for (auto& w : f.code.words) w = r.get<std::uint32_t>("payload");
  Sha256 stored;
  r.copy(stored.data(), stored.size(), "checksum");
  if (sha256(bytes.data(), bytes.size() - 32) != stored)
    throw DataError(where + ": corrupted: the SHA-256 over header and payload does not match the one stored");
  return f;
}

}  // namespace tractable
