#pragma once
// `tractable sweep --local -j N`: up to N runs at once on this machine, each
// `tractable run SPEC --out RUN --resume` (through `mpiexec -n R` when a run
// has R > 1 ranks), output appended to logs/<id>.log. Finished runs are
// skipped; unfinished ones resume from their checkpoints; a run queued in
// Slurm or being trained by another process (its attempt marker names a live
// pid, claimed atomically) is left alone, so no run is trained twice at once.
// SIGINT, SIGTERM or
// SIGUSR1 stop the sweep the way they stop a run: every running run is asked
// to checkpoint (SIGUSR1), no new run starts, and the sweep exits 75.
#include "sweep/sweep_directory.hpp"

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

namespace tractable {

struct LocalLaunchOptions {
  std::size_t jobs = 1;
  std::int64_t ranks = 1;
  std::vector<std::string> mpiexec = {"mpiexec", "--oversubscribe"};  // + "-n R" and the run's command
  std::string tractable;  // the executable that trains a run (default: this one)
};

struct LocalLaunchResult {
  std::size_t finished_before = 0, done = 0, preempted = 0;
  std::size_t elsewhere = 0;        // skipped: queued in Slurm or trained by another process

  std::vector<std::string> failed;  // ids
  bool interrupted = false;
};

LocalLaunchResult run_sweep_locally(const SweepDirectory& directory, const std::vector<SweepRun>& runs,
                                    const LocalLaunchOptions& options, std::ostream& log);

}  // namespace tractable
