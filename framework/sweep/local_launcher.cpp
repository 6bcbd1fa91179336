#include "sweep/local_launcher.hpp"

#include "sweep/process.hpp"
#include "sweep/sweep_status.hpp"

#include <csignal>
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

std::string host_name() {
  char name[256] = {0};
  gethostname(name, sizeof name - 1);
  return name;
}

}  // namespace

LocalLaunchResult run_sweep_locally(const SweepDirectory& directory, const std::vector<SweepRun>& runs,
                                    const LocalLaunchOptions& options, std::ostream& log) {
  LocalLaunchResult result;
  std::vector<const SweepRun*> todo;
  for (const auto& run : runs) {
    if (run_is_finished(directory, run.id)) ++result.finished_before;
    else todo.push_back(&run);
  }
  log << "sweep: " << runs.size() << " runs, " << result.finished_before << " finished before, " << todo.size()
      << " to run, " << options.jobs << " at a time" << std::endl;
  const std::string tractable = options.tractable.empty() ? self_executable() : options.tractable;
  const std::string host = host_name();
  const SweepStopSignals signals;
  std::map<pid_t, const SweepRun*> running;
  std::size_t next = 0;
  auto start = [&](const SweepRun& run) {
    std::vector<std::string> argv;
    if (options.ranks > 1) {
      argv = options.mpiexec;
      argv.insert(argv.end(), {"-n", std::to_string(options.ranks)});
    }
    argv.insert(argv.end(), {tractable, "run", directory.spec_path(run.id), "--out", directory.run_path(run.id),
                             "--resume", "--quiet"});
    const pid_t pid = spawn_logged(argv, directory.log_path(run.id));
    std::ofstream(directory.running_path(run.id)) << "local:" << pid << " " << host << " " << pid << "\n";
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
