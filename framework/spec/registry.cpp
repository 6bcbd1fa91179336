#include "spec/registry.hpp"

#include <sstream>

namespace tractable {

std::string escape_markdown_cell(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

namespace {
std::string json_text(const nlohmann::json& v) {
  if (v.is_number_float()) {
    std::ostringstream s;
    s << v.get<double>();
    return s.str();
  }
  return v.dump();
}
std::string range_text(const SchemaNode& n) {
  if (!n.choices.empty()) {
    std::string out;
    for (const auto& c : n.choices) out += (out.empty() ? "" : " \\| ") + ("`" + c + "`");
    return out;
  }
  if (!n.minimum && !n.maximum) return "";
  auto bound = [](double v) {
    std::ostringstream s;
    s << v;
    return s.str();
  };
  std::string out;
  if (n.minimum) out += (n.exclusive_minimum ? "> " : "≥ ") + bound(*n.minimum);
  if (n.maximum) out += std::string(out.empty() ? "" : ", ") + (n.exclusive_maximum ? "< " : "≤ ") + bound(*n.maximum);
  return out;
}
}  // namespace

std::string describe_key_markdown(const SchemaField& field) {
  std::string attributes;
  const std::string range = range_text(*field.schema);
  if (!range.empty()) attributes = range;
  const std::string dflt = field.default_value.is_null() ? (field.optional ? "optional" : "required")
                                                         : "default " + ("`" + json_text(field.default_value) + "`");
  attributes += (attributes.empty() ? "" : "; ") + dflt;
  return "`" + field.key + "` (" + attributes + "): " + escape_markdown_cell(field.description);
}

}  // namespace tractable
