#pragma once
// A run's identity in a sweep: the first 16 hex digits of the SHA-256 of its
// resolved spec, serialised canonically (keys sorted, no whitespace, numbers
// as JSON writes them). Two runs share an id exactly when they would train the
// same model on the same data with the same seed.
#include <nlohmann/json.hpp>

#include <string>

namespace tractable {

std::string run_id(const nlohmann::json& resolved_spec);

}  // namespace tractable
