#pragma once
// The committed documentation a test holds the code to: one page, or every page of docs/ (the site's
// sources; generated pages are never committed, so a key documented only by its registry does not count).
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace tractable::testing {

inline std::string read_all_documentation() {
  std::string text;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(std::string(TRACTABLE_SOURCE_DIR) + "/docs")) {
    if (entry.path().extension() != ".md") continue;
    std::ifstream in(entry.path());
    text.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    text += '\n';
  }
  return text;
}

}  // namespace tractable::testing
