#pragma once
// The .tbc file `tractable compress` writes: a header, the rANS words, and a
// SHA-256 over both. Little-endian throughout:
//   "TRACTBC\0"  u32 format_version (1)
//   u64 images, u64 pixels per image, u32 latent dimension
//   u32 latent_bits, u32 posterior_precision, u32 likelihood_precision, u32 lanes, u32 prefix_words,
//   u64 seed (of the initial bits), u64 untouched prefix words, f64 z1's bucket radius (two layers; else 0)
//   32 bytes: SHA-256 of the model (its resolved spec and the parameters used; compression/model_digest)
//   u64 word count, u32 words[count]
//   32 bytes: SHA-256 of everything above
// Reading checks the magic, the version (a newer one is refused), the length
// (a truncated file) and the checksum (a corrupted one), each named.
#include "compression/bits_back.hpp"
#include "core/sha256.hpp"

#include <string>

namespace tractable {

constexpr std::uint32_t kContainerVersion = 1;

struct CompressedFile {
  std::uint32_t format_version = kContainerVersion;
  std::uint64_t images = 0, pixels = 0;
  std::uint32_t latent = 0;
  BitsBackSettings settings;
  Sha256 model{};
  BitsBackCode code;  // words, untouched_prefix and z1_radius (the sizes in bits are not stored)
};

std::string serialize(const CompressedFile& file);
// `where` names the file in errors (DataError: exit 4).
CompressedFile parse_compressed(const std::string& bytes, const std::string& where);

}  // namespace tractable
