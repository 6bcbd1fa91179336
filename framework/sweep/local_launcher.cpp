#include "sweep/local_launcher.hpp"

#include "core/whole_file.hpp"

#include "core/process.hpp"
#include "sweep/sweep_status.hpp"

#include <csignal>
#include <fcntl.h>
#include <cstdio>
#include <fstream>
#include <map>
#include <sys/wait.h>
#include <unistd.h>

namespace tractable {

namespace {

volatile std::sig_atomic_t g_stop_requested = 0;
extern "C" void request_sweep_stop(int) { g_stop_requested = 1; }

struct SweepStopSignals {
  SweepStopSignals() {
    g_stop_requested = 0;
    struct sigaction action {};
    action.sa_handler = request_sweep_stop;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: waitpid returns EINTR so the loop reacts at once
    for (int s : {SIGINT, SIGTERM, SIGUSR1}) sigaction(s, &action, &previous[s]);
  }
  ~SweepStopSignals() {
    for (int s : {SIGINT, SIGTERM, SIGUSR1}) sigaction(s, &previous[s], nullptr);
  }
  std::map<int, struct sigaction> previous;
};

// Markers are placed whole (core/whole_file.hpp): a reader never sees one half written (an empty
// marker read as "its process is gone" let a second sweep take over a run being claimed).
bool write_marker(const std::string& path, const std::string& text, bool exclusive) {
  return place_whole_file(path, text, exclusive) == Placed::placed;
}

// Claims a run for this process: placing the attempt marker exclusively is atomic, so two sweeps
// started on the same directory never train the same run. A marker left by a dead process is taken over.
bool claim(const SweepDirectory& directory, const std::string& id, const std::string& host) {
  const std::string path = directory.running_path(id);
  for (int tries = 0; tries < 2; ++tries) {
    // Names this (live) sweep until the run's own pid replaces it, so nobody takes it over meanwhile.
    if (write_marker(path, "local:" + std::to_string(getpid()) + " " + host + " " + std::to_string(getpid()) + "\n",
                     true))
      return true;
    if (local_attempt_alive(directory, id)) return false;
    std::remove(path.c_str());  // stale (its process is gone, or a Slurm task that squeue no longer lists)
  }
  return false;
}

}  // namespace

LocalLaunchResult run_sweep_locally(const SweepDirectory& directory, const std::vector<SweepRun>& runs,
                                    const LocalLaunchOptions& options, std::ostream& log) {
  LocalLaunchResult result;
  std::vector<const SweepRun*> todo;
  const auto queued = query_slurm_queue(directory);
  for (const auto& run : runs) {
    if (run_is_finished(directory, run.id)) {
      ++result.finished_before;
    } else if (queued.count(run.id)) {
      ++result.elsewhere;
      log << "  skip   run " << run.index << " " << run.id << ": in Slurm as " << queued.at(run.id).task << " ("
          << queued.at(run.id).state << ")" << std::endl;
    } else {
      todo.push_back(&run);
    }
  }
  log << "sweep: " << runs.size() << " runs, " << result.finished_before << " finished before, " << todo.size()
      << " to run, " << options.jobs << " at a time" << std::endl;
  const std::string tractable = options.tractable.empty() ? self_executable() : options.tractable;
  const std::string host = host_name();
  const SweepStopSignals signals;
  std::map<pid_t, const SweepRun*> running;
  std::size_t next = 0;
  auto start = [&](const SweepRun& run) {
    if (!claim(directory, run.id, host)) {
      ++result.elsewhere;
      log << "  skip   run " << run.index << " " << run.id << ": another process is training it" << std::endl;
      return;
    }
    // Another sweep may have finished it since the list was made (it writes the run file before freeing the claim).
    if (run_is_finished(directory, run.id)) {
      std::remove(directory.running_path(run.id).c_str());
      ++result.elsewhere;
      log << "  skip   run " << run.index << " " << run.id << ": finished by another process" << std::endl;
      return;
    }
    std::vector<std::string> argv;
    if (options.ranks > 1) {
      argv = options.mpiexec;
      argv.insert(argv.end(), {"-n", std::to_string(options.ranks)});
    }
    argv.insert(argv.end(), {tractable, "run", directory.spec_path(run.id), "--out", directory.run_path(run.id),
                             "--resume", "--quiet"});
    const pid_t pid = spawn_logged(argv, directory.log_path(run.id));
    write_marker(directory.running_path(run.id), "local:" + std::to_string(pid) + " " + host + " " + std::to_string(pid) + "\n",
                 false);
    running[pid] = &run;
    log << "  start  run " << run.index << " " << run.id << " " << run.axes.dump() << std::endl;
  };
  while (true) {
    if (g_stop_requested && !result.interrupted) {
      result.interrupted = true;
      log << "sweep: stop requested; asking " << running.size() << " running run(s) to checkpoint" << std::endl;
      for (const auto& [pid, run] : running) kill(pid, SIGUSR1);
    }
    while (!result.interrupted && running.size() < options.jobs && next < todo.size()) start(*todo[next++]);
    if (running.empty()) break;
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) continue;  // EINTR: a stop signal; handled at the top
    const auto it = running.find(pid);
    if (it == running.end()) continue;
    const SweepRun& run = *it->second;
    running.erase(it);
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    directory.record_attempt(run.id, code, "local:" + std::to_string(pid));
    std::remove(directory.running_path(run.id).c_str());
    const bool finished = code == 0 && run_is_finished(directory, run.id);
    if (finished) ++result.done;
    else if (code == 75) ++result.preempted;
    else result.failed.push_back(run.id);
    log << "  " << (finished ? "done  " : code == 75 ? "paused" : "FAILED") << " run " << run.index << " " << run.id
        << (finished ? "" : " (exit " + std::to_string(code) + ", log " + directory.log_path(run.id) + ")")
        << std::endl;
  }
  return result;
}

}  // namespace tractable
