// Fuzzes the spec path a user's JSON takes: parse, `--set` overrides, strict
// validation with defaults and did-you-mean, the cross-section checks, and
// building the model the spec describes (kept small). Input: the first line is
// an override (key.path=value, possibly empty), the rest the spec's JSON text.
#include "core/error.hpp"
#include "experiment/run_spec.hpp"
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
    const RunSpec spec = resolve_spec(raw, overrides, "fuzz.json");
    // Build what the spec describes when it is small enough to build quickly.
    const auto& model = spec.document.at("model");
    const bool small = model.at("hidden").get<double>() <= 64 && model.at("depth").get<double>() <= 3 &&
                       (model.at("type") != "flow" || model.at("repeat").get<double>() <= 4) &&
                       (model.at("type") != "vae" || model.at("latent").get<double>() <= 16);
    if (small) {
      ParameterStore store;
      ModelContext context{store, (model.at("type") == "flow" ? 2 : 4) + (size % 5), 0, 0, single_rank()};
      spec.model.build(context);
      spec.make_optimizer(10);
      spec.make_schedule();
    }
    if (spec.target) {
      TargetContext none;
      spec.target->build(none);
    }
  } catch (const Error&) {
    // a documented error with an exit code: what bad input must produce
  }
  return 0;
}
