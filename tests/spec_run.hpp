#pragma once
// Trains a spec given as JSON text, as `tractable run SPEC --out OUT --force --quiet` would,
// on one rank; the spec file is written beside OUT and removed afterwards.
#include "experiment/runner.hpp"

#include <filesystem>
#include <fstream>
#include <string>

namespace tractable::testing {

inline RunSummary run_spec_text(const std::string& spec_text, const std::string& out) {
  const std::string spec_path = out + ".spec.json";
  std::ofstream(spec_path) << spec_text;
  RunOptions o;
  o.spec_path = spec_path;
  o.out = out;
  o.force = true;
  o.quiet = true;
  Communicator comm;
  RunSummary summary = run_experiment(o, comm);
  std::filesystem::remove(spec_path);
  return summary;
}

}  // namespace tractable::testing
