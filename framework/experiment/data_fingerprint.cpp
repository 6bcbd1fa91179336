#include "experiment/data_fingerprint.hpp"

#include "core/error.hpp"
#include "core/sha256.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace tractable {

using nlohmann::json;

namespace {

std::string file_digest(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> in(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!in) throw DataError(path + ": cannot read it to fingerprint the data: " + std::strerror(errno));
  Sha256Hasher hasher;
  std::vector<char> block(1 << 20);
  std::size_t n = 0;
  while ((n = std::fread(block.data(), 1, block.size(), in.get())) > 0) hasher.update(block.data(), n);
  if (std::ferror(in.get())) throw DataError(path + ": read error while fingerprinting the data");
  return hex(hasher.digest());
}

// Shape, then the values row by row as the run holds them (its scalar type).
std::string rows_digest(const HostMatrix& rows /*[N, C + D]*/) {
  Sha256Hasher hasher;
  const std::uint64_t shape[2] = {rows.extent(0), rows.extent(1)};
  hasher.update(shape, sizeof shape);
  std::vector<Real> row(rows.extent(1));
  for (std::size_t i = 0; i < rows.extent(0); ++i) {
    for (std::size_t j = 0; j < rows.extent(1); ++j) row[j] = rows(i, j);
    hasher.update(row.data(), row.size() * sizeof(Real));
  }
  return hex(hasher.digest());
}

std::map<std::string, std::string> parse_map(const json& provenance, const char* key) {
  std::map<std::string, std::string> out;
  if (!provenance.contains(key)) return out;
  const json parsed = json::parse(provenance.at(key).get<std::string>(), nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return out;
  for (auto it = parsed.begin(); it != parsed.end(); ++it)
    if (it->is_string()) out[it.key()] = it->get<std::string>();
  return out;
}

std::string short_digest(const std::string& digest) { return digest.empty() ? "(none)" : digest.substr(0, 12) + "…"; }

}  // namespace

DataFingerprint fingerprint_data(const json& data_section, const Dataset& data) {
  DataFingerprint f;
  for (const auto& path : data.files) f.files[path] = file_digest(path);
  f.rows["train"] = rows_digest(data.train);
  f.rows["validation"] = rows_digest(data.validation);
  f.rows["test"] = rows_digest(data.test);
  const std::string text = data_section.dump();
  f.definition = hex(sha256(text.data(), text.size()));
  return f;
}

void record_fingerprint(json& provenance, const DataFingerprint& f) {
  if (f.empty()) return;
  provenance["data_files"] = json(f.files).dump();
  provenance["data_rows"] = json(f.rows).dump();
  provenance["data_definition"] = f.definition;
}

DataFingerprint recorded_fingerprint(const json& provenance) {
  DataFingerprint f;
  f.files = parse_map(provenance, "data_files");
  f.rows = parse_map(provenance, "data_rows");
  if (provenance.contains("data_definition")) f.definition = provenance.at("data_definition").get<std::string>();
  return f;
}

std::vector<std::string> fingerprint_changes(const DataFingerprint& then, const DataFingerprint& now) {
  std::vector<std::string> changes;
  auto compare = [&](const std::map<std::string, std::string>& a, const std::map<std::string, std::string>& b,
                     const std::string& what) {
    for (const auto& [name, digest] : a) {
      const auto it = b.find(name);
      const std::string other = it == b.end() ? "" : it->second;
      if (other != digest)
        changes.push_back(what + name + ": sha256 " + short_digest(digest) + " when the run started, " +
                          short_digest(other) + " now");
    }
    for (const auto& [name, digest] : b)
      if (!a.count(name)) changes.push_back(what + name + ": not read when the run started, sha256 " + short_digest(digest) + " now");
  };
  compare(then.files, now.files, "data file ");
  compare(then.rows, now.rows, "rows of the split ");
  // The data section's own digest is not compared: resume already requires the same spec, and a key added to
  // the spec language since (with its default) would change the text without changing the data.
  return changes;
}

}  // namespace tractable
