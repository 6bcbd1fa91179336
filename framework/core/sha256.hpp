#pragma once
// SHA-256 through OpenSSL's EVP interface: run ids, model digests, checksums.
#include <array>
#include <cstddef>
#include <string>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX, kept out of this header

namespace tractable {

using Sha256 = std::array<unsigned char, 32>;

// Incremental: update() any number of times, then digest().
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;
  void update(const void* data, std::size_t size);
  Sha256 digest();

 private:
  ::evp_md_ctx_st* context_;
};

Sha256 sha256(const void* data, std::size_t size);
std::string hex(const Sha256& digest, std::size_t bytes = 32);  // the first `bytes` bytes, lower-case hex

}  // namespace tractable
