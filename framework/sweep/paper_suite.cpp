#include "sweep/paper_suite.hpp"

#include "core/error.hpp"
#include "experiment/spec.hpp"
#include "core/safe_text.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

namespace tractable {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {
void only_keys(const json& object, const std::vector<std::string>& allowed, const std::string& where) {
  for (const auto& [key, value] : object.items())
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      throw SpecError(where + (where.back() == ':' ? " " : ".") + key + ": unknown key");
}

std::string text(const json& object, const std::string& key, const std::string& where, bool required) {
  if (!object.contains(key)) {
    if (required) throw SpecError(where + "." + key + ": missing required key");
    return "";
  }
  if (!object.at(key).is_string()) throw SpecError(where + "." + key + ": expected a string");
  return object.at(key).get<std::string>();
}

// A file named relative to the suite directory, which must exist and stay inside it.
std::string inside(const fs::path& directory, const std::string& relative, const std::string& where) {
  if (relative.empty() || fs::path(relative).is_absolute())
    throw SpecError(where + ": '" + relative + "' must be a path relative to the suite directory");
  const fs::path full = fs::weakly_canonical(directory / relative);
  const std::string root = directory.string() + "/";
  if (full.string().compare(0, root.size(), root) != 0)
    throw SpecError(where + ": '" + relative + "' leaves the suite directory");
  if (!fs::is_regular_file(full)) throw SpecError(where + ": '" + relative + "' does not exist");
  return full.string();
}
}  // namespace

PaperSuite read_paper_suite(const std::string& suites_root, const std::string& name) {
  check_name(name, "suite name");
  const fs::path directory = fs::weakly_canonical(fs::path(suites_root) / name);
  const std::string file = (directory / "suite.json").string();
  if (!fs::is_regular_file(file)) {
    std::string known;
    for (const auto& s : list_paper_suites(suites_root)) known += (known.empty() ? "" : ", ") + s;
    throw UsageError("no suite '" + name + "' in " + suites_root + " (suites: " + (known.empty() ? "none" : known) + ")");
  }
  const json spec = read_json_file(file);
  const std::string top = file + ":";
  if (!spec.is_object()) throw SpecError(top + " expected an object");
  only_keys(spec, {"suite", "title", "description", "published", "budgets"}, top);
  PaperSuite suite;
  suite.name = text(spec, "suite", file, true);
  if (suite.name != name)
    throw SpecError(file + ": suite: '" + suite.name + "' differs from its directory's name '" + name + "'");
  suite.title = text(spec, "title", file, true);
  suite.description = text(spec, "description", file, false);
  suite.directory = directory.string();
  suite.published_path = inside(directory, text(spec, "published", file, true), file + ": published");
  if (!spec.contains("budgets") || !spec.at("budgets").is_object() || spec.at("budgets").empty())
    throw SpecError(file + ": budgets: expected an object with at least one budget (\"small\", \"paper\")");
  for (const auto& [budget_name, budget] : spec.at("budgets").items()) {
    const std::string where = file + ": budgets." + budget_name;
    check_name(budget_name, where);
    if (!budget.is_object()) throw SpecError(where + ": expected an object");
    only_keys(budget, {"sweeps", "note"}, where);
    PaperSuite::Budget b;
    b.note = text(budget, "note", where, false);
    if (!budget.contains("sweeps") || !budget.at("sweeps").is_array() || budget.at("sweeps").empty())
      throw SpecError(where + ".sweeps: expected a non-empty array of sweep files");
    for (std::size_t i = 0; i < budget.at("sweeps").size(); ++i) {
      const json& s = budget.at("sweeps")[i];
      const std::string at = where + ".sweeps[" + std::to_string(i) + "]";
      if (!s.is_string()) throw SpecError(at + ": expected a string");
      b.sweeps.push_back(inside(directory, s.get<std::string>(), at));
    }
    suite.budgets[budget_name] = b;
  }
  return suite;
}

std::vector<std::string> list_paper_suites(const std::string& suites_root) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(suites_root, ec))
    if (entry.is_directory() && fs::is_regular_file(entry.path() / "suite.json"))
      names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace tractable
