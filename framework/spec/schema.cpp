#include "spec/schema.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

namespace tractable {

using nlohmann::json;

namespace schema {
Schema integer(std::optional<double> min, std::optional<double> max) {
  auto n = std::make_shared<SchemaNode>();
  n->kind = SchemaNode::Kind::integer;
  n->minimum = min;
  n->maximum = max;
  return n;
}
Schema number(std::optional<double> min, std::optional<double> max, bool exclusive_min, bool exclusive_max) {
  auto n = std::make_shared<SchemaNode>();
  n->kind = SchemaNode::Kind::number;
  n->minimum = min;
  n->maximum = max;
  n->exclusive_minimum = exclusive_min;
  n->exclusive_maximum = exclusive_max;
  return n;
}
Schema string(std::vector<std::string> choices) {
  auto n = std::make_shared<SchemaNode>();
  n->kind = SchemaNode::Kind::string;
  n->choices = std::move(choices);
  return n;
}
Schema boolean() {
  auto n = std::make_shared<SchemaNode>();
  n->kind = SchemaNode::Kind::boolean;
  return n;
}
Schema array(Schema items, std::size_t min_items, std::size_t max_items) {
  auto n = std::make_shared<SchemaNode>();
  n->kind = SchemaNode::Kind::array;
  n->items = std::move(items);
  n->min_items = min_items;
  n->max_items = max_items;
  return n;
}
Schema object(std::vector<SchemaField> fields) {
  auto n = std::make_shared<SchemaNode>();
  n->kind = SchemaNode::Kind::object;
  n->fields = std::move(fields);
  return n;
}
Schema tagged(std::string discriminator, std::vector<SchemaField> common,
              std::map<std::string, std::vector<SchemaField>> variants) {
  auto n = std::make_shared<SchemaNode>();
  n->kind = SchemaNode::Kind::object;
  n->discriminator = std::move(discriminator);
  n->fields = std::move(common);
  n->variants = std::move(variants);
  return n;
}

SchemaField field(std::string key, Schema schema, nlohmann::json default_value, std::string description) {
  return SchemaField{std::move(key), std::move(schema), std::move(default_value), std::move(description), false};
}
SchemaField required(std::string key, Schema schema, std::string description) {
  return SchemaField{std::move(key), std::move(schema), nlohmann::json(), std::move(description), false};
}
SchemaField optional(std::string key, Schema schema, std::string description) {
  return SchemaField{std::move(key), std::move(schema), nlohmann::json(), std::move(description), true};
}
}  // namespace schema

namespace {

std::string display(const std::string& path) { return path.empty() ? "(top level)" : path; }
std::string join(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

std::string type_name(const json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number_integer() || v.is_number_unsigned()) return "an integer";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "an array";
  return "an object";
}

std::string list(const std::vector<std::string>& words) {
  std::string s;
  for (std::size_t i = 0; i < words.size(); ++i) s += (i ? ", " : "") + ("'" + words[i] + "'");
  return s;
}

[[noreturn]] void fail(const std::string& path, const std::string& message) {
  throw SpecError(display(path) + ": " + message);
}

std::string format_number(double x) {
  std::ostringstream s;
  s << x;
  return s.str();
}

void check_range(const SchemaNode& node, double x, const std::string& path) {
  if (node.minimum) {
    const bool bad = node.exclusive_minimum ? !(x > *node.minimum) : !(x >= *node.minimum);
    if (bad)
      fail(path, format_number(x) + " is out of range: must be " + (node.exclusive_minimum ? "> " : ">= ") +
                     format_number(*node.minimum));
  }
  if (node.maximum) {
    const bool bad = node.exclusive_maximum ? !(x < *node.maximum) : !(x <= *node.maximum);
    if (bad)
      fail(path, format_number(x) + " is out of range: must be " + (node.exclusive_maximum ? "< " : "<= ") +
                     format_number(*node.maximum));
  }
}

json validate_object(const SchemaNode& node, const json& value, const std::string& path) {
  if (!value.is_object()) fail(path, "expected an object, got " + type_name(value));
  std::vector<const SchemaField*> allowed;
  for (const auto& f : node.fields) allowed.push_back(&f);
  std::string variant;
  if (!node.discriminator.empty()) {
    const SchemaField* tag = nullptr;
    for (const auto& f : node.fields)
      if (f.key == node.discriminator) tag = &f;
    json tag_value = value.contains(node.discriminator) ? value[node.discriminator]
                                                        : (tag ? tag->default_value : json());
    if (tag_value.is_null()) fail(path, "missing required key '" + node.discriminator + "'");
    tag_value = validate(tag->schema, tag_value, join(path, node.discriminator));
    variant = tag_value.get<std::string>();
    for (const auto& f : node.variants.at(variant)) allowed.push_back(&f);
  }
  std::vector<std::string> allowed_keys;
  for (const auto* f : allowed) allowed_keys.push_back(f->key);

  for (auto it = value.begin(); it != value.end(); ++it) {
    if (std::find(allowed_keys.begin(), allowed_keys.end(), it.key()) != allowed_keys.end()) continue;
    std::string message = "unknown key '" + it.key() + "'";
    std::vector<std::string> owners;  // the variants that have the key (n_test: toy and simulator)
    for (const auto& [other, fields] : node.variants)
      for (const auto& f : fields)
        if (f.key == it.key() && other != variant) owners.push_back("'" + other + "'");
    if (!owners.empty()) {
      std::string joined;
      for (std::size_t k = 0; k < owners.size(); ++k) joined += (k ? (k + 1 == owners.size() ? " or " : ", ") : "") + owners[k];
      fail(join(path, it.key()), message + " for " + node.discriminator + " '" + variant + "' (it belongs to " +
                                     node.discriminator + " " + joined + ")");
    }
    if (auto guess = did_you_mean(it.key(), allowed_keys)) message += "; did you mean '" + *guess + "'?";
    message += " Allowed keys: " + list(allowed_keys) + ".";
    fail(join(path, it.key()), message);
  }

  json out = json::object();
  for (const auto* f : allowed) {
    const std::string child = join(path, f->key);
    if (value.contains(f->key))
      out[f->key] = validate(f->schema, value[f->key], child);
    else if (!f->default_value.is_null())
      out[f->key] = validate(f->schema, f->default_value, child);
    else if (!f->optional)
      fail(child, "missing required key");
  }
  return out;
}

}  // namespace

json validate(const Schema& schema, const json& value, const std::string& path) {
  const SchemaNode& node = *schema;
  switch (node.kind) {
    case SchemaNode::Kind::integer: {
      double x = 0;
      if (value.is_number_integer() || value.is_number_unsigned())
        x = value.get<double>();
      else if (value.is_number_float() && std::isfinite(value.get<double>()) &&
               value.get<double>() == std::floor(value.get<double>()))
        x = value.get<double>();  // 1e4 written as a float is still an integer
      else
        fail(path, "expected an integer, got " + type_name(value) + " (" + value.dump() + ")");
      check_range(node, x, path);
      return json(static_cast<std::int64_t>(x));
    }
    case SchemaNode::Kind::number: {
      if (!value.is_number()) fail(path, "expected a number, got " + type_name(value) + " (" + value.dump() + ")");
      const double x = value.get<double>();
      if (!std::isfinite(x)) fail(path, "expected a finite number");
      check_range(node, x, path);
      return value;
    }
    case SchemaNode::Kind::string: {
      if (!value.is_string()) fail(path, "expected a string, got " + type_name(value) + " (" + value.dump() + ")");
      const auto s = value.get<std::string>();
      if (!node.choices.empty() && std::find(node.choices.begin(), node.choices.end(), s) == node.choices.end()) {
        std::string message = "'" + s + "' is not one of " + list(node.choices);
        if (auto guess = did_you_mean(s, node.choices)) message += "; did you mean '" + *guess + "'?";
        fail(path, message);
      }
      return value;
    }
    case SchemaNode::Kind::boolean:
      if (!value.is_boolean()) fail(path, "expected true or false, got " + type_name(value) + " (" + value.dump() + ")");
      return value;
    case SchemaNode::Kind::array: {
      if (!value.is_array()) fail(path, "expected an array, got " + type_name(value));
      if (value.size() < node.min_items || value.size() > node.max_items) {
        std::string range = node.min_items == node.max_items ? "exactly " + std::to_string(node.min_items)
                            : node.max_items == std::numeric_limits<std::size_t>::max()
                                ? "at least " + std::to_string(node.min_items)
                                : std::to_string(node.min_items) + " to " + std::to_string(node.max_items);
        fail(path, "expected " + range + " items, got " + std::to_string(value.size()));
      }
      json out = json::array();
      for (std::size_t i = 0; i < value.size(); ++i)
        out.push_back(validate(node.items, value[i], path + "[" + std::to_string(i) + "]"));
      return out;
    }
    case SchemaNode::Kind::object: return validate_object(node, value, path);
  }
  fail(path, "unsupported schema node");
}

namespace {
json field_properties(const std::vector<SchemaField>& fields, json& required);

json node_schema(const SchemaNode& node) {
  json s;
  switch (node.kind) {
    case SchemaNode::Kind::integer: s["type"] = "integer"; break;
    case SchemaNode::Kind::number: s["type"] = "number"; break;
    case SchemaNode::Kind::string:
      s["type"] = "string";
      if (!node.choices.empty()) s["enum"] = node.choices;
      break;
    case SchemaNode::Kind::boolean: s["type"] = "boolean"; break;
    case SchemaNode::Kind::array:
      s["type"] = "array";
      s["items"] = node_schema(*node.items);
      if (node.min_items > 0) s["minItems"] = node.min_items;
      if (node.max_items != std::numeric_limits<std::size_t>::max()) s["maxItems"] = node.max_items;
      break;
    case SchemaNode::Kind::object: {
      if (node.discriminator.empty()) {
        json required = json::array();
        s["type"] = "object";
        s["properties"] = field_properties(node.fields, required);
        if (!required.empty()) s["required"] = required;
        s["additionalProperties"] = false;
      } else {
        json one_of = json::array();
        for (const auto& [name, extra] : node.variants) {
          json required = json::array();
          std::vector<SchemaField> fields = node.fields;
          fields.insert(fields.end(), extra.begin(), extra.end());
          json variant;
          variant["type"] = "object";
          variant["properties"] = field_properties(fields, required);
          variant["properties"][node.discriminator]["const"] = name;
          if (!required.empty()) variant["required"] = required;
          variant["additionalProperties"] = false;
          one_of.push_back(variant);
        }
        s["oneOf"] = one_of;
      }
      break;
    }
  }
  if (node.minimum) s[node.exclusive_minimum ? "exclusiveMinimum" : "minimum"] = *node.minimum;
  if (node.maximum) s[node.exclusive_maximum ? "exclusiveMaximum" : "maximum"] = *node.maximum;
  return s;
}

json field_properties(const std::vector<SchemaField>& fields, json& required) {
  json properties = json::object();
  for (const auto& f : fields) {
    json p = node_schema(*f.schema);
    if (!f.description.empty()) p["description"] = f.description;
    if (!f.default_value.is_null()) p["default"] = f.default_value;
    if (f.default_value.is_null() && !f.optional) required.push_back(f.key);
    properties[f.key] = p;
  }
  return properties;
}
}  // namespace

json to_json_schema(const Schema& schema, const std::string& title) {
  json s = node_schema(*schema);
  json out;
  out["$schema"] = "https://json-schema.org/draft/2020-12/schema";
  out["title"] = title;
  for (auto it = s.begin(); it != s.end(); ++it) out[it.key()] = it.value();
  return out;
}

std::optional<std::string> did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  auto distance = [](const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      std::size_t diagonal = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j) {
        const std::size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
        diagonal = up;
      }
    }
    return row[b.size()];
  };
  std::optional<std::string> best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    const std::size_t d = distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

}  // namespace tractable
