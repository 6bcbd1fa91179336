#pragma once
// `tractable verify`: a run file and its side files checked end to end. Every
// external link resolves, every seal holds (io/hdf5_seal.hpp), the index's
// commit count matches the checkpoint it names, the stored spec re-validates,
// each checkpoint loads into the model its spec builds, and the model's
// log-density of the run's stored test rows is finite.
#include <string>
#include <vector>

namespace tractable {

struct RunFinding {
  enum class Kind { defect, warning, ok };
  Kind kind = Kind::defect;
  std::string text;  // names the file and the object
};

// Never throws for what it finds in the file (each is a finding); runs on one rank.
std::vector<RunFinding> verify_run(const std::string& path);

// Every run file under `directory` (recursively; side-file directories skipped), sorted.
std::vector<std::string> run_files_under(const std::string& directory);

}  // namespace tractable
