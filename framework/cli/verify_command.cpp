// `tractable verify RUN.h5 [...] | --sweep DIR`: each run file and its side
// files checked end to end (experiment/run_verification.hpp); one line per
// finding, defects first in each run. Exit 0 only when no run has a defect,
// 9 (corrupt) otherwise; a run without checksums (written before them) passes
// with a warning.
#include "cli/options.hpp"
#include "experiment/run_verification.hpp"

#include <cstdio>

namespace tractable::cli {

int verify_command(const Arguments& args, const Communicator& comm) {
  po::options_description options("tractable verify");
  std::vector<std::string> runs;
  std::string sweep;
  bool quiet = false;
  options.add_options()
      ("run", po::value(&runs)->multitoken(), "run files")
      ("sweep", po::value(&sweep), "verify every run file under this sweep directory")
      ("quiet,q", po::bool_switch(&quiet), "print defects and warnings only");
  po::positional_options_description positional;
  positional.add("run", -1);
  po::variables_map vm;
  if (!parse_options(args, "verify", options, positional, vm,
                     comm))
    return 0;
  if (runs.empty() == sweep.empty()) throw UsageError("give run files or --sweep DIR (one of the two)");
  if (!comm.is_root()) return 0;
  if (!sweep.empty()) {
    runs = run_files_under(sweep);
    if (runs.empty()) throw IoError(sweep + ": holds no run files");
  }
  std::size_t defects = 0, damaged = 0, warnings = 0;
  for (const auto& run : runs) {
    std::size_t here = 0;
    for (const auto& f : verify_run(run)) {
      if (f.kind == RunFinding::Kind::defect) {
        ++here;
        std::printf("DEFECT   %s\n", f.text.c_str());
      } else if (f.kind == RunFinding::Kind::warning) {
        ++warnings;
        std::printf("warning  %s\n", f.text.c_str());
      } else if (!quiet) {
        std::printf("ok       %s\n", f.text.c_str());
      }
    }
    defects += here;
    damaged += here > 0;
  }
  std::printf("%zu run file(s): %zu with defects (%zu defects), %zu warnings\n", runs.size(), damaged, defects,
              warnings);
  return damaged > 0 ? static_cast<int>(ExitCode::corrupt) : 0;
}

}  // namespace tractable::cli
