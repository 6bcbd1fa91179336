#include "core/sha256.hpp"

#include "core/error.hpp"

#include <openssl/evp.h>

namespace tractable {

namespace {
[[noreturn]] void fail(const char* what) { throw Error(ExitCode::internal, std::string("OpenSSL SHA-256: ") + what); }
}  // namespace

Sha256Hasher::Sha256Hasher() : context_(EVP_MD_CTX_new()) {
  if (!context_ || EVP_DigestInit_ex(context_, EVP_sha256(), nullptr) != 1) fail("cannot start a digest");
}

Sha256Hasher::~Sha256Hasher() { EVP_MD_CTX_free(context_); }

void Sha256Hasher::update(const void* data, std::size_t size) {
  if (EVP_DigestUpdate(context_, data, size) != 1) fail("cannot update a digest");
}

Sha256 Sha256Hasher::digest() {
  Sha256 out{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(context_, out.data(), &length) != 1 || length != out.size()) fail("cannot finish a digest");
  return out;
}

Sha256 sha256(const void* data, std::size_t size) {
  Sha256Hasher h;
  h.update(data, size);
  return h.digest();
}

std::string hex(const Sha256& digest, std::size_t bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes && i < digest.size(); ++i) {
    out += digits[digest[i] >> 4];
    out += digits[digest[i] & 15];
  }
  return out;
}

}  // namespace tractable
