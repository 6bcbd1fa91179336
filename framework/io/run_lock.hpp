#pragma once
// One writer per run file: `RUN.h5.lock` beside it names the holder (host, pid,
// start time), taken before the first write and removed when the run ends.
//
// Taken without flock (unreliable on NFS): the holder's record is written to a
// file of its own and hard-linked to the lock's name, which succeeds for exactly
// one process even over NFS (link is atomic on the server; the link count of the
// own file confirms it when a reply was lost). A lock that is there already is
//   * this host, a live pid:  refused (IoError, exit 5) naming the holder;
//   * this host, a dead pid:  taken over, with a note (a killed run);
//   * another host:           honoured while the lock or the run file changed in
//                             the last `stale_after_seconds` (commits rewrite the
//                             run file, so a live run keeps it fresh), taken over
//                             with a note after that, or at once with --break-lock.
// A stale RUN.h5.partial (a commit cut short) is removed once the lock is held.
#include <functional>
#include <string>

namespace tractable {

class RunLock {
 public:
  static constexpr double default_stale_after_seconds = 3600;

  // Takes the lock of `run_path` or throws IoError; `note` receives what was taken over or cleaned.
  RunLock(const std::string& run_path, bool break_lock, const std::function<void(const std::string&)>& note,
          double stale_after_seconds = default_stale_after_seconds);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  static std::string lock_path(const std::string& run_path) { return run_path + ".lock"; }

 private:
  std::string lock_path_;
};

}  // namespace tractable
