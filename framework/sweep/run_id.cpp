#include "sweep/run_id.hpp"

#include "core/error.hpp"

#include <openssl/evp.h>

namespace tractable {

std::string run_id(const nlohmann::json& resolved_spec) {
  // nlohmann::json keeps object keys sorted, so dump() is canonical.
  const std::string text = resolved_spec.dump();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr) != 1)
    throw Error(ExitCode::internal, "OpenSSL EVP_Digest(SHA-256) failed");
  static const char* hex = "0123456789abcdef";
  std::string id;
  for (unsigned int i = 0; i < 8 && i < length; ++i) {
    id += hex[digest[i] >> 4];
    id += hex[digest[i] & 15];
  }
  return id;
}

}  // namespace tractable
