#pragma once
// The experiment spec as a document: its schema (sections data, model,
// objective, optimizer, training, output), loading from a file, `--set
// key=value` overrides and validation into the resolved document that is
// stored in the run file. experiment/run_spec.hpp reads it into a RunSpec.
#include "spec/compatibility.hpp"
#include "spec/schema.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace tractable {

const Schema& run_spec_schema();

// The bijector types a flow's model.layers may name (the bijector registry's names).
const std::vector<std::string>& flow_layer_types();
nlohmann::json run_spec_json_schema();

// The spec reference's type tables, one per registry (layers, bases, decoders, targets):
// (the spec key the types fill, the Markdown table). `tractable schema --markdown`
// prints them between the markers docs/reference/specs.md holds; a test keeps them equal.
std::vector<std::pair<std::string, std::string>> registry_tables();

// Parses `path`; a malformed file is a SpecError naming the file, line and column.
nlohmann::json read_json_file(const std::string& path);

// Applies one `dotted.path=value` override. The value is parsed as JSON when it
// is valid JSON (128, 1e-3, true, [64,64], "text") and taken as a string
// otherwise (relu). Array elements are addressed by index: model.layers.0.type.
void apply_override(nlohmann::json& spec, const std::string& assignment);

// Overrides -> validation with defaults -> the rules between families (spec/compatibility.hpp): the
// resolved document. Errors name the JSON path; run_spec.hpp's resolve_spec adds the file and reads it.
nlohmann::json validate_spec_document(const nlohmann::json& raw, const std::vector<std::string>& overrides);

// Every registered type's declarations, named as errors list them ("data.source 'mnist'").
const std::vector<std::pair<std::string, const Compatibility*>>& registered_declarations();

// The types a resolved document selects, each with its section and declarations.
std::vector<Selection> selected_types(const nlohmann::json& resolved);

// A run file's stored spec before it is resolved: keys added since the run was written take their
// defaults, except where a default would change what the run did. A run written before
// data.validation_fraction existed had no validation split, so it gets 0. `legacy` receives the places
// so filled (a resumed run keeps them over the defaults of today's spec).
nlohmann::json legacy_stored_spec(const nlohmann::json& raw, std::vector<nlohmann::json::json_pointer>* legacy);

}  // namespace tractable
