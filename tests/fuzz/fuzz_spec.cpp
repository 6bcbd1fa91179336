// Fuzzes the spec path a user's JSON takes: parse, `--set` overrides, strict
// validation with defaults and did-you-mean, the cross-section checks, and
// building the model the spec describes (kept small). Input: the first line is
// an override (key.path=value, possibly empty), the rest the spec's JSON text.
#include "core/error.hpp"
#include "experiment/build_from_spec.hpp"
#include "experiment/spec.hpp"
#include "fuzz_common.hpp"

#include <nlohmann/json.hpp>

using namespace tractable;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::start_kokkos();
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto newline = text.find('\n');
  const std::string override_line = newline == std::string::npos ? "" : text.substr(0, newline);
  const std::string body = newline == std::string::npos ? text : text.substr(newline + 1);
  const auto raw = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (raw.is_discarded()) return 0;  // read_json_file reports malformed JSON before this point
  try {
    std::vector<std::string> overrides;
    if (!override_line.empty()) overrides.push_back(override_line);
    const auto spec = resolve_spec_json(raw, overrides, "fuzz.json");
    // Build what the spec describes when it is small enough to build quickly.
    const auto& model = spec.at("model");
    const bool small = model.at("hidden").get<double>() <= 64 && model.at("depth").get<double>() <= 3 &&
                       (model.at("type") != "flow" || model.at("repeat").get<double>() <= 4) &&
                       (model.at("type") != "vae" || model.at("latent").get<double>() <= 16);
    if (small && model.at("type") == "flow") {
      ParameterStore store;
      build_flow(model, 2 + (size % 5), store, 0);
      build_optimizer(spec.at("optimizer"), 10);
      build_schedule(spec.at("optimizer"), spec.at("training").at("steps"));
    }
    if (small && model.at("type") == "vae") {
      ParameterStore store;
      build_vae(model, 4 + (size % 5), store);
    }
    if (spec.at("objective").at("type") == "reverse_kl") build_target(spec.at("objective").at("target"));
  } catch (const Error&) {
    // a documented error with an exit code: what bad input must produce
  }
  return 0;
}
