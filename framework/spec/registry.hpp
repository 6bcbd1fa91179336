#pragma once
// One registry per family of spec types (bijectors, bases, targets, decoders,
// ...). A type registers once: its name, what it is, its documented keys
// (type, default, range, help: SchemaFields) and a function that reads its
// validated section into typed settings and returns the builder that holds
// them. From that one list come the validator and the JSON Schema (schema()),
// the did-you-mean on an unknown type, the spec reference's tables (markdown_table(),
// checked by a test) and the tests that build every registered type.
#include "core/error.hpp"
#include "spec/compatibility.hpp"
#include "spec/schema.hpp"
#include "spec/spec_section.hpp"

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace tractable {

template <class Product, class Context>
struct TypeRegistration {
  using Builder = std::function<Product(Context&)>;
  std::string name;
  std::string help;                    // one paragraph: what the type is (the spec reference, schema description)
  std::vector<SchemaField> keys;       // keys beyond "type"
  std::function<Builder(const SpecSection&)> configure;
  std::vector<nlohmann::json> examples;  // sections the tests build (the bijector harness)
  Compatibility compatibility;            // the rules between families (spec/compatibility.hpp)

  // Declarations, chained after register_type(...): `key`/`equals` make one hold only for that value.
  TypeRegistration provides(std::string capability, std::string key = "", nlohmann::json equals = nullptr) && {
    compatibility.provides.push_back({std::move(capability), "", std::move(key), std::move(equals)});
    return std::move(*this);
  }
  TypeRegistration needs(std::string capability, std::string reason, std::string key = "",
                         nlohmann::json equals = nullptr) && {
    compatibility.needs.push_back({std::move(capability), std::move(reason), std::move(key), std::move(equals)});
    return std::move(*this);
  }
  TypeRegistration refuses(std::string capability, std::string reason, std::string key = "",
                           nlohmann::json equals = nullptr) && {
    compatibility.refuses.push_back({std::move(capability), std::move(reason), std::move(key), std::move(equals)});
    return std::move(*this);
  }
};

// A type's registration from its typed reader and builder: `read` turns the
// validated section into Settings once; `build` never sees JSON.
template <class Settings, class Product, class Context>
TypeRegistration<Product, Context> register_type(std::string name, std::string help, std::vector<SchemaField> keys,
                                                 Settings (*read)(const SpecSection&),
                                                 Product (*build)(const Settings&, Context&),
                                                 std::vector<nlohmann::json> examples = {}) {
  auto configure = [read, build](const SpecSection& section) {
    return std::function<Product(Context&)>(
        [settings = read(section), build](Context& context) { return build(settings, context); });
  };
  return {std::move(name), std::move(help), std::move(keys), configure, std::move(examples), {}};
}

// The settings of a type with no keys of its own.
struct NoSettings {};
inline NoSettings read_nothing(const SpecSection&) { return {}; }

template <class Product, class Context>
class Registry {
 public:
  using Registration = TypeRegistration<Product, Context>;

  // `family` names the spec key in errors and tables ("model.layers[].type"); `discriminator` is the key of
  // a section that names its type ("type"; a data section's "source").
  Registry(std::string family, std::vector<Registration> types, std::string discriminator = "type")
      : family_(std::move(family)), discriminator_(std::move(discriminator)), types_(std::move(types)) {
    for (std::size_t i = 0; i < types_.size(); ++i)
      for (std::size_t j = 0; j < i; ++j)
        require(types_[i].name != types_[j].name, family_ + ": type '" + types_[i].name + "' registered twice");
  }

  const Registration& at(const std::string& name, const std::string& where) const {
    for (const auto& t : types_)
      if (t.name == name) return t;
    const auto guess = did_you_mean(name, names());
    throw SpecError(where + ": unknown type '" + name + "'" + (guess ? "; did you mean '" + *guess + "'?" : ""));
  }

  // Reads a validated section with a discriminator ("type") key into its builder.
  typename Registration::Builder configure(const SpecSection& section) const {
    return at(type_of(section), section.where(discriminator_.c_str())).configure(section);
  }
  // The registration a validated section names.
  const Registration& registration(const SpecSection& section) const {
    return at(type_of(section), section.where(discriminator_.c_str()));
  }
  std::string type_of(const SpecSection& section) const { return section.get<std::string>(discriminator_.c_str()); }

  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& t : types_) out.push_back(t.name);
    return out;
  }
  const std::vector<Registration>& types() const { return types_; }
  const std::string& family() const { return family_; }
  const std::string& discriminator() const { return discriminator_; }

  // The selection of a validated section, for check_compatibility.
  Selection selection(const nlohmann::json& section, const std::string& path) const {
    const SpecSection s(section, path);
    return {path, discriminator_, type_of(s), &section, &registration(s).compatibility};
  }
  // Every registration's declarations, named as an error lists them ("data.source 'mnist'").
  void add_providers(std::vector<std::pair<std::string, const Compatibility*>>& out) const {
    const std::string key = family_.substr(0, family_.rfind('.') + 1) + discriminator_;
    for (const auto& t : types_) out.emplace_back(key + " '" + t.name + "'", &t.compatibility);
  }

  // The tagged schema: a discriminator field (required when `default_type` is null) selecting each type's keys;
  // `common` keys are allowed whatever the type (an optimiser's learning rate).
  Schema schema(const std::string& type_help, const nlohmann::json& default_type = nullptr,
                std::vector<SchemaField> common = {}) const {
    common.insert(common.begin(), SchemaField{discriminator_, schema::string(names()), default_type, type_help, false});
    std::map<std::string, std::vector<SchemaField>> variants;
    for (const auto& t : types_) variants[t.name] = t.keys;
    return schema::tagged(discriminator_, common, variants);
  }

  // | type | keys | what | — the spec reference table, one row per type in registration order.
  std::string markdown_table() const;

 private:
  std::string family_;
  std::string discriminator_;
  std::vector<Registration> types_;
};

// A key's cell in the spec reference: `name` (default) or `name` (required), with its range.
std::string describe_key_markdown(const SchemaField& field);
std::string escape_markdown_cell(const std::string& text);
// The markers around a generated table in docs/reference/specs.md (cluster/reference-tables.sh).
inline std::string reference_table_begin(const std::string& family) {
  return "<!-- generated by `tractable schema --markdown`: " + family + " -->";
}
inline std::string reference_table_end() { return "<!-- end of generated table -->"; }

template <class Product, class Context>
std::string Registry<Product, Context>::markdown_table() const {
  std::string out = "| " + discriminator_ + " | keys | what |\n|---|---|---|\n";
  for (const auto& t : types_) {
    std::string keys;
    for (const auto& k : t.keys) keys += (keys.empty() ? "" : "; ") + describe_key_markdown(k);
    out += "| `" + t.name + "` | " + (keys.empty() ? "—" : keys) + " | " + escape_markdown_cell(t.help) + " |\n";
  }
  return out;
}

}  // namespace tractable
