#pragma once
// What a run trained on, as SHA-256 digests recorded in /provenance: the bytes
// of every data file it read, the rows of each split after splitting (what the
// model saw), and the data section of its spec (for simulated and toy data,
// the simulator or density, its settings and the seed). `--resume` compares
// them, so a run file stays tied to the data that produced it.
#include "data/dataset.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace tractable {

struct DataFingerprint {
  std::map<std::string, std::string> files;  // path as the spec names it -> sha256 of its bytes
  std::map<std::string, std::string> rows;   // "train", "validation", "test" -> sha256 of [N, C + D] as stored
  std::string definition;                    // sha256 of the resolved spec's data section
  bool empty() const { return files.empty() && rows.empty() && definition.empty(); }
};

// DataError naming a file that cannot be read.
DataFingerprint fingerprint_data(const nlohmann::json& data_section, const Dataset& data);

// /provenance keys data_files, data_rows (JSON objects as text) and data_definition.
void record_fingerprint(nlohmann::json& provenance, const DataFingerprint& fingerprint);
DataFingerprint recorded_fingerprint(const nlohmann::json& provenance);  // empty for runs written before

// One line per changed file or split ("data file x.csv: sha256 ab12… when the run started, cd34… now"),
// empty when none.
std::vector<std::string> fingerprint_changes(const DataFingerprint& then, const DataFingerprint& now);

}  // namespace tractable
