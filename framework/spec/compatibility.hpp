#pragma once
// The rules between families ("an IWAE objective needs a VAE", "reverse KL
// refuses a layer that needs batch statistics"), declared by the
// registrations themselves and checked by one loop (check_compatibility):
// a registered type provides named capabilities and needs or refuses those
// of the other types a spec selects. A declaration may hold only when a key
// of the type's own section has a value (a VAE with one stochastic layer;
// an ELBO with an analytic KL). No rule compares registered names.
#include "spec/spec_section.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace tractable {

struct Capability {
  std::string name;        // "model:vae", "data:unit_interval"
  std::string reason;      // needs/refuses: the error's words after "<path>: '<type>' "
  std::string key;         // "": always; else only when the section's `key` ...
  nlohmann::json equals;   // ... equals this
  bool holds_for(const SpecSection& section) const {
    return key.empty() || (section.has(key.c_str()) && section.get<nlohmann::json>(key.c_str()) == equals);
  }
};

struct Compatibility {
  std::vector<Capability> provides, needs, refuses;
};

// One type a spec selects: where (the section's path), which type, its section and its declarations.
struct Selection {
  std::string path;            // "model.layers[2]"
  std::string discriminator;   // "type", "source"
  std::string type;            // "batchnorm"
  const nlohmann::json* section;
  const Compatibility* compatibility;
};

// Throws a SpecError for the first need no selected type provides, or the first refusal some selected type
// provides; the error names the place (the section's key, or the condition's key) and the type, and for
// an unmet need the registered types that would provide it (`providers`: "data.source 'mnist'", ...).
void check_compatibility(const std::vector<Selection>& selected,
                         const std::vector<std::pair<std::string, const Compatibility*>>& providers);

}  // namespace tractable
