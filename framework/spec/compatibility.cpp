#include "spec/compatibility.hpp"

#include "core/error.hpp"

namespace tractable {

namespace {
// Where an error about `c` of `s` points: the condition's key, or the section's discriminator.
std::string place(const Selection& s, const Capability& c) {
  if (c.key.empty()) return s.path + "." + s.discriminator + ": '" + s.type + "'";
  return s.path + "." + c.key + ": " + c.equals.dump() + " (" + s.path + "." + s.discriminator + " '" + s.type + "')";
}
}  // namespace

void check_compatibility(const std::vector<Selection>& selected,
                         const std::vector<std::pair<std::string, const Compatibility*>>& providers) {
  // What the selection provides, and who provides it.
  std::vector<std::pair<std::string, const Selection*>> provided;
  for (const auto& s : selected) {
    const SpecSection section(*s.section, s.path);
    for (const auto& c : s.compatibility->provides)
      if (c.holds_for(section)) provided.emplace_back(c.name, &s);
  }
  auto provider_of = [&](const std::string& name) -> const Selection* {
    for (const auto& [n, s] : provided)
      if (n == name) return s;
    return nullptr;
  };
  for (const auto& s : selected) {
    const SpecSection section(*s.section, s.path);
    for (const auto& need : s.compatibility->needs) {
      if (!need.holds_for(section) || provider_of(need.name)) continue;
      std::string candidates;
      for (const auto& [who, compatibility] : providers)
        for (const auto& c : compatibility->provides)
          if (c.name == need.name)
            candidates += (candidates.empty() ? "" : ", ") + who +
                          (c.key.empty() ? "" : " with " + c.key + " " + c.equals.dump());
      throw SpecError(place(s, need) + " " + need.reason + (candidates.empty() ? "" : " (given by " + candidates + ")"));
    }
    for (const auto& refusal : s.compatibility->refuses) {
      if (!refusal.holds_for(section)) continue;
      if (const Selection* other = provider_of(refusal.name); other && other != &s)
        throw SpecError(place(s, refusal) + " " + refusal.reason + " (" + other->path + "." + other->discriminator +
                        " is '" + other->type + "')");
    }
  }
}

}  // namespace tractable
