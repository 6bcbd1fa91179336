#pragma once
// A small typed schema for JSON specs. One description drives three things,
// so they cannot drift apart: strict validation (unknown keys with a
// did-you-mean, wrong types, out-of-range values, each reported with its JSON
// path), filling of defaults, and the JSON Schema document editors use.
#include <nlohmann/json.hpp>

#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tractable {

struct SchemaNode;
using Schema = std::shared_ptr<const SchemaNode>;

struct SchemaField {
  std::string key;
  Schema schema;
  nlohmann::json default_value;  // null: no default (required unless `optional`)
  std::string description;
  bool optional = false;         // may be absent with no default (e.g. per-layer overrides)
};

struct SchemaNode {
  enum class Kind { integer, number, string, boolean, array, object };
  Kind kind = Kind::string;
  std::optional<double> minimum, maximum;
  bool exclusive_minimum = false, exclusive_maximum = false;
  std::vector<std::string> choices;  // strings only; empty = any string
  Schema items;                      // arrays
  std::size_t min_items = 0, max_items = std::numeric_limits<std::size_t>::max();
  std::vector<SchemaField> fields;   // objects: keys common to every variant
  std::string discriminator;         // objects with variants: the key that selects one
  std::map<std::string, std::vector<SchemaField>> variants;
};

namespace schema {
Schema integer(std::optional<double> min = std::nullopt, std::optional<double> max = std::nullopt);
Schema number(std::optional<double> min = std::nullopt, std::optional<double> max = std::nullopt,
              bool exclusive_min = false, bool exclusive_max = false);
Schema string(std::vector<std::string> choices = {});
Schema boolean();
Schema array(Schema items, std::size_t min_items = 0, std::size_t max_items = std::numeric_limits<std::size_t>::max());
Schema object(std::vector<SchemaField> fields);
// An object whose `discriminator` key (itself a field in `common`, with the
// variant names as choices) selects which extra fields are allowed.
Schema tagged(std::string discriminator, std::vector<SchemaField> common,
              std::map<std::string, std::vector<SchemaField>> variants);

// A key with a default; one a spec must give; one it may leave out (no default filled in).
SchemaField field(std::string key, Schema schema, nlohmann::json default_value, std::string description);
SchemaField required(std::string key, Schema schema, std::string description);
SchemaField optional(std::string key, Schema schema, std::string description);
}  // namespace schema

// Returns `value` with defaults filled in; throws SpecError("<path>: ...").
nlohmann::json validate(const Schema& schema, const nlohmann::json& value, const std::string& path = "");

// The JSON Schema (draft 2020-12) describing `schema`.
nlohmann::json to_json_schema(const Schema& schema, const std::string& title);

// The closest candidate by edit distance, if it is close enough to be a typo.
std::optional<std::string> did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace tractable
