#pragma once
// `tractable status`: what each run of a sweep is doing, from its run file,
// its recorded attempts and, where Slurm is present, squeue.
//
//   done       the run file holds the final checkpoint and evaluation
//   running    an attempt is alive (squeue says RUNNING, or a local attempt's pid lives)
//   preempted  stopped after a checkpoint (exit 75, or requeued by Slurm): resumes when resubmitted or rescheduled
//   failed     the last attempt exited non-zero, or the run stopped with no exit recorded
//   pending    not started, or queued in Slurm
#include "io/run_file.hpp"
#include "sweep/sweep_directory.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tractable {

enum class RunState { pending, running, done, failed, preempted };
std::string to_string(RunState state);

struct RunStatus {
  std::size_t index = 0;
  std::string id;
  nlohmann::json axes;
  RunState state = RunState::pending;
  std::optional<RunProgress> progress;  // when the run file exists and is readable
  std::string detail;                   // e.g. "exit 6 (see logs/<id>.log)", "Slurm 41_3 PENDING"
};

// Slurm's view of the sweep's submitted array tasks: run id -> (task, state).
struct QueuedTask {
  std::string task;   // <array job id>_<task id>
  std::string state;  // squeue's %T: PENDING, RUNNING, COMPLETING, ...
};
// Empty when squeue is absent or fails (a laptop): status then relies on the files.
std::map<std::string, QueuedTask> query_slurm_queue(const SweepDirectory& directory);

std::vector<RunStatus> sweep_status(const SweepDirectory& directory, bool ask_slurm = true);

// Whether the attempt marker SWEEP_DIR/attempts/<id>.running names a live process on this host.
bool local_attempt_alive(const SweepDirectory& directory, const std::string& id);

// Whether a finished run file is present (the local runner and --slurm skip those).
bool run_is_finished(const SweepDirectory& directory, const std::string& id);

}  // namespace tractable
