#include "sweep/run_id.hpp"

#include "core/sha256.hpp"

namespace tractable {

std::string run_id(const nlohmann::json& resolved_spec) {
  // nlohmann::json keeps object keys sorted, so dump() is canonical.
  const std::string text = resolved_spec.dump();
  return hex(sha256(text.data(), text.size()), 8);
}

}  // namespace tractable
