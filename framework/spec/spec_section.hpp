#pragma once
// One validated section of a spec (defaults filled, ranges checked), read into
// a type's settings. The registry's `read` functions and the RunSpec reader
// (experiment/run_spec.cpp) are the only code that reads a spec's JSON;
// builders take the settings they produce.
#include "core/error.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace tractable {

class SpecSection {
 public:
  // `inherited`, if given, supplies keys the section may leave out (a layer's
  // conditioner width falls back to model.hidden).
  SpecSection(const nlohmann::json& value, std::string path, const nlohmann::json* inherited = nullptr)
      : value_(value), path_(std::move(path)), inherited_(inherited) {}

  template <class T>
  T get(const char* key) const {
    return lookup(key).get<T>();
  }
  bool has(const char* key) const { return value_.contains(key) || (inherited_ && inherited_->contains(key)); }
  SpecSection child(const char* key) const { return SpecSection(lookup(key), where(key)); }
  // "model.layers[0].mask": for errors that name the place (the document's root has the path "").
  std::string where(const char* key) const { return path_.empty() ? key : path_ + "." + key; }
  const std::string& path() const { return path_; }
  // The section with the keys it inherits written in: what a run file stores to rebuild it.
  nlohmann::json resolved(const std::vector<const char*>& inherited_keys) const {
    nlohmann::json out = value_;
    for (const char* key : inherited_keys)
      if (!out.contains(key) && inherited_ && inherited_->contains(key)) out[key] = inherited_->at(key);
    return out;
  }
  const nlohmann::json& json() const { return value_; }

 private:
  const nlohmann::json& lookup(const char* key) const {
    if (value_.contains(key)) return value_.at(key);
    if (inherited_ && inherited_->contains(key)) return inherited_->at(key);
    throw SpecError(where(key) + ": missing");
  }
  const nlohmann::json& value_;
  std::string path_;
  const nlohmann::json* inherited_;
};

}  // namespace tractable
