#include "core/safe_text.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <cctype>

namespace tractable {

namespace {

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Shows a rejected value with control characters escaped, so the message itself cannot be used for injection.
std::string printable(const std::string& value) {
  std::string out;
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) {
      const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

bool all_of(const std::string& value, const std::string& extra) {
  return std::all_of(value.begin(), value.end(),
                     [&](char c) { return is_alnum(c) || extra.find(c) != std::string::npos; });
}

}  // namespace

void check_name(const std::string& value, const std::string& where) {
  if (value.empty() || value.size() > 64 || !is_alnum(value.front()) || !all_of(value, "._-"))
    throw SpecError(where + ": '" + printable(value) +
                    "' is not a valid name: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
}

void check_sbatch_value(const std::string& value, SbatchValue kind, const std::string& where) {
  bool ok = !value.empty();
  const char* allowed = "";
  switch (kind) {
    case SbatchValue::word:
      allowed = "letters, digits and _ . + -";
      ok = ok && all_of(value, "_.+-");
      break;
    case SbatchValue::time:
      allowed = "digits, ':' and '-' (e.g. 1-12:00:00)";
      ok = ok && std::all_of(value.begin(), value.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == ':' || c == '-'; });
      break;
    case SbatchValue::constraint:
      allowed = "letters, digits and _ . , : + & | ( ) [ ] * ! -";
      ok = ok && all_of(value, "_.,:+&|()[]*!-");
      break;
    case SbatchValue::option: {
      allowed = "--name or --name=value: a lower-case long option, the value non-empty with letters, digits and _ . , : + = @ / % - only";
      const auto eq = value.find('=');
      const std::string option = value.substr(0, eq);
      // Slurm's long options: lower case, digits and '-' after a letter ("---x" was found by fuzz_sweep).
      const auto lower_option = [](const std::string& name) {
        return name.size() > 2 && name.compare(0, 2, "--") == 0 && std::islower(static_cast<unsigned char>(name[2])) &&
               std::all_of(name.begin() + 2, name.end(), [](char c) {
                 return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-';
               });
      };
      ok = ok && lower_option(option) &&
           (eq == std::string::npos || (eq + 1 < value.size() && all_of(value.substr(eq + 1), "_.,:+=@/%-")));
      break;
    }
  }
  if (!ok) throw SpecError(where + ": '" + printable(value) + "' is not allowed in an sbatch option; use " + allowed);
}

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace tractable
