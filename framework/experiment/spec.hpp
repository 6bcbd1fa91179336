#pragma once
// The experiment spec: its schema (sections data, model, objective, optimizer,
// training, output), loading from a file, `--set key=value` overrides and
// validation into the resolved spec that is stored in the run file.
#include "spec/schema.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace tractable {

const Schema& run_spec_schema();

// The bijector types a flow's model.layers may name (the bijector registry's names).
const std::vector<std::string>& flow_layer_types();
nlohmann::json run_spec_json_schema();

// The README's type tables, one per registry (layers, bases, decoders, targets):
// (the spec key the types fill, the Markdown table). `tractable schema --markdown`
// prints them between the markers the README holds; a test keeps them equal.
std::vector<std::pair<std::string, std::string>> registry_tables();

// Parses `path`; a malformed file is a SpecError naming the file, line and column.
nlohmann::json read_json_file(const std::string& path);

// Applies one `dotted.path=value` override. The value is parsed as JSON when it
// is valid JSON (128, 1e-3, true, [64,64], "text") and taken as a string
// otherwise (relu). Array elements are addressed by index: model.layers.0.type.
void apply_override(nlohmann::json& spec, const std::string& assignment);

// File -> overrides -> validation with defaults. Errors name the file and the JSON path.
nlohmann::json resolve_spec(const std::string& path, const std::vector<std::string>& overrides);
nlohmann::json resolve_spec_json(const nlohmann::json& raw, const std::vector<std::string>& overrides,
                                 const std::string& origin);

// A run file's stored spec, resolved. Keys added since the run was written take their defaults,
// except where a default would change what the run did: a run written before
// data.validation_fraction existed had no validation split, so it gets 0. `legacy` receives the
// places so filled (a resumed run keeps them over the defaults of today's spec).
nlohmann::json resolve_stored_spec(const nlohmann::json& raw, const std::string& origin,
                                   std::vector<nlohmann::json::json_pointer>* legacy = nullptr);

}  // namespace tractable
