#include "io/run_lock.hpp"

#include "core/error.hpp"
#include "core/whole_file.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>
#include <sys/stat.h>
#include <unistd.h>

namespace tractable {

namespace {

std::string host_name() {
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  return host;
}

// Seconds since `path` was last modified; a large number when it does not exist.
double seconds_since_modified(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return 1e300;
  return std::difftime(std::time(nullptr), st.st_mtime);
}

// Field 3 (state) and field 22 (start time in clock ticks since boot) of /proc/<pid>/stat; "" when
// there is no such process. The start time tells a reused pid from the holder.
std::pair<char, std::string> process_state(long pid) {
  std::string text;
  read_whole_file("/proc/" + std::to_string(pid) + "/stat", text);
  const auto close = text.rfind(')');  // the command name may hold spaces and parentheses
  if (close == std::string::npos) return {'?', ""};
  std::istringstream rest(text.substr(close + 1));
  char state = '?';
  std::string field;
  rest >> state;
  for (int i = 4; i <= 22 && rest >> field; ++i) {
  }
  return {state, field};
}

// A process that still runs: a zombie (killed, not yet reaped) or a new process under a reused pid is not the holder.
bool holder_runs(long pid, const std::string& start_ticks) {
  if (kill(pid_t(pid), 0) != 0 && errno == ESRCH) return false;
  const auto [state, ticks] = process_state(pid);
  if (state == '?') return true;  // no /proc: trust kill()
  return state != 'Z' && (start_ticks.empty() || ticks == start_ticks);
}

struct Holder {
  std::string host, started, start_ticks;
  long pid = 0;
  bool readable = false;
};

Holder read_holder(const std::string& lock) {
  Holder h;
  std::string text;
  read_whole_file(lock, text);
  try {
    const auto j = nlohmann::json::parse(text);
    h.host = j.at("host");
    h.pid = j.at("pid");
    h.started = j.at("started");
    h.start_ticks = j.value("start_ticks", "");
    h.readable = true;
  } catch (const std::exception&) {  // a lock being written, or damaged: described as unreadable
  }
  return h;
}

std::string describe(const Holder& h, const std::string& lock) {
  return h.readable ? "pid " + std::to_string(h.pid) + " on host " + h.host + " since " + h.started + " (" + lock + ")"
                    : "an unreadable lock " + lock;
}

// One attempt: true when this process now holds `lock`.
bool try_link(const std::string& lock, const std::string& record) {
  std::string error;
  const Placed placed = place_whole_file(lock, record + "\n", true, &error);
  if (placed == Placed::failed) throw IoError(lock + ": cannot create the run's lock: " + error);
  return placed == Placed::placed;
}

}  // namespace

RunLock::RunLock(const std::string& run_path, bool break_lock, const std::function<void(const std::string&)>& note,
                 double stale_after_seconds)
    : lock_path_(lock_path(run_path)) {
  std::time_t now = std::time(nullptr);
  char started[64];
  std::strftime(started, sizeof(started), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  const std::string record =
      nlohmann::json{{"host", host_name()},
                     {"pid", long(getpid())},
                     {"started", std::string(started)},
                     {"start_ticks", process_state(long(getpid())).second}}
          .dump();
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (try_link(lock_path_, record)) {
      const std::string partial = run_path + ".partial";
      std::error_code ec;
      if (std::filesystem::exists(partial, ec) && std::filesystem::remove(partial, ec))
        note("removed " + partial + ", left by a commit that did not finish");
      return;
    }
    const Holder holder = read_holder(lock_path_);
    const bool this_host = holder.readable && holder.host == host_name();
    const bool dead = this_host && !holder_runs(holder.pid, holder.start_ticks);
    const double quiet = std::min(seconds_since_modified(lock_path_), seconds_since_modified(run_path));
    const bool stale = !this_host && quiet > stale_after_seconds;
    if (!(dead || stale || break_lock)) {
      if (!holder.readable && seconds_since_modified(lock_path_) < 5) {  // being written right now
        sleep(1);
        continue;
      }
      throw IoError(run_path + ": is being written by " + describe(holder, lock_path_) +
                    (this_host ? "" : "; a lock from another host is taken over when neither it nor the run file "
                                      "has changed for " + std::to_string(long(stale_after_seconds)) + " s, or pass "
                                      "--break-lock if that run is gone"));
    }
    note(std::string(dead ? "took over the lock of a process that no longer runs: " : break_lock && !stale ? "--break-lock: broke " : "took over a stale lock (no change for " + std::to_string(long(quiet)) + " s): ") +
         describe(holder, lock_path_));
    unlink(lock_path_.c_str());
  }
  throw IoError(lock_path_ + ": could not take the run's lock after 3 attempts (another process keeps taking it)");
}

RunLock::~RunLock() { unlink(lock_path_.c_str()); }

}  // namespace tractable
