#include "sweep/sweep_status.hpp"

#include "core/error.hpp"
#include "core/process.hpp"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace tractable {

using nlohmann::json;
namespace fs = std::filesystem;

std::string to_string(RunState state) {
  switch (state) {
    case RunState::pending: return "pending";
    case RunState::running: return "running";
    case RunState::done: return "done";
    case RunState::failed: return "failed";
    case RunState::preempted: return "preempted";
  }
  return "?";
}

std::map<std::string, QueuedTask> query_slurm_queue(const SweepDirectory& directory) {
  std::map<std::string, QueuedTask> queued;
  const std::string submissions_path = directory.slurm_dir() + "/submissions.json";
  if (!fs::exists(submissions_path)) return queued;
  json submissions;
  try {
    std::ifstream in(submissions_path);
    submissions = json::parse(in);
  } catch (const json::exception& e) {
    throw IoError(submissions_path + ": corrupt: " + e.what());
  }
  // job id -> its tasks' run ids
  std::map<std::string, std::vector<std::string>> runs_of_job;
  for (const auto& s : submissions) runs_of_job[s.at("array_job_id").get<std::string>()] = s.at("run_ids");
  // All of this user's tasks, one per line (-r expands pending array ranges): filtering here rather than with
  // -j keeps one finished job id from making squeue fail for all.
  const CommandOutput q = run_captured({"squeue", "--noheader", "--array", "--format=%i %T"});
  if (q.exit_code != 0) return queued;
  std::istringstream lines(q.out);
  std::string task, state;
  while (lines >> task >> state) {
    const auto underscore = task.find('_');
    if (underscore == std::string::npos) continue;
    const auto job = runs_of_job.find(task.substr(0, underscore));
    if (job == runs_of_job.end()) continue;
    std::size_t index = 0;
    try {
      index = std::stoul(task.substr(underscore + 1));
    } catch (const std::exception&) {
      continue;
    }
    if (index < job->second.size()) queued[job->second[index]] = QueuedTask{task, state};
  }
  return queued;
}

bool local_attempt_alive(const SweepDirectory& directory, const std::string& id) {
  std::ifstream in(directory.running_path(id));
  std::string where, host;
  long pid = 0;
  if (!(in >> where >> host >> pid)) return false;
  return where.rfind("local:", 0) == 0 && host == host_name() && pid > 0 && kill(static_cast<pid_t>(pid), 0) == 0;
}

bool run_is_finished(const SweepDirectory& directory, const std::string& id) {
  const std::string path = directory.run_path(id);
  if (!fs::exists(path)) return false;
  try {
    return RunFile::read_progress(path).finished;
  } catch (const Error&) {
    return false;  // unreadable: training again with --resume reports the problem in the run's log
  }
}

std::vector<RunStatus> sweep_status(const SweepDirectory& directory, bool ask_slurm) {
  const json manifest = directory.read_manifest();
  const auto queued = ask_slurm ? query_slurm_queue(directory) : std::map<std::string, QueuedTask>{};
  std::vector<RunStatus> statuses;
  for (const auto& run : manifest.at("runs")) {
    RunStatus s;
    s.index = run.at("index");
    s.id = run.at("id");
    s.axes = run.at("axes");
    const std::string path = directory.run_path(s.id);
    if (fs::exists(path)) {
      try {
        s.progress = RunFile::read_progress(path);
      } catch (const Error& e) {
        s.detail = std::string("unreadable run file: ") + e.what();
      }
    }
    const auto attempts = directory.attempts(s.id);
    const auto queue = queued.find(s.id);
    const bool has_checkpoint = s.progress && s.progress->step > 0;
    if (s.progress && s.progress->finished) {
      s.state = RunState::done;
    } else if (queue != queued.end()) {
      const std::string& q = queue->second.state;
      const bool active = q == "RUNNING" || q == "COMPLETING" || q == "CONFIGURING" || q == "SUSPENDED";
      s.state = active ? RunState::running
                       : (has_checkpoint || !attempts.empty()) ? RunState::preempted : RunState::pending;
      s.detail = "Slurm " + queue->second.task + " " + q;
    } else if (local_attempt_alive(directory, s.id)) {
      s.state = RunState::running;
      s.detail = "local";
    } else if (!attempts.empty()) {
      const Attempt& last = attempts.back();
      if (last.exit_code == 75) {
        s.state = RunState::preempted;
        s.detail = "checkpointed after a stop signal (" + last.where + "); resubmit the sweep to resume";
      } else {
        s.state = RunState::failed;
        s.detail = "exit " + std::to_string(last.exit_code) + " (" + last.where + ", " + last.time + ")";
      }
    } else if (fs::exists(directory.running_path(s.id)) || s.progress) {
      s.state = RunState::failed;
      if (s.detail.empty()) s.detail = "stopped with no exit recorded (killed?); resubmit the sweep to resume";
    }
    statuses.push_back(s);
  }
  return statuses;
}

}  // namespace tractable
