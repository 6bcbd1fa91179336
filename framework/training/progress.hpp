#pragma once
// Progress of a long run: on a terminal one live line (step, loss, steps/s,
// ETA) rewritten in place; otherwise (Slurm logs, pipes) one plain line per
// report, so logs stay readable.
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

namespace tractable {

class Progress {
 public:
  // `enabled`: progress lines; `speaks`: this rank prints warnings (rank 0).
  Progress(std::int64_t total_steps, bool enabled, bool speaks = true);
  // Called at each report with (step, total steps, loss, steps/s), whether or not lines are printed: how a
  // caller in-process (the Python module) follows a run.
  using Listener = std::function<void(std::int64_t, std::int64_t, double, double)>;
  void set_listener(Listener listener) { listener_ = std::move(listener); }
  void report(std::int64_t step, double loss, double steps_per_second);
  void note(const std::string& line);  // a message that must not be overwritten
  void warn(const std::string& line);  // to stderr, even when progress output is off
  void finish();

 private:
  std::int64_t total_;
  bool enabled_, speaks_, live_, dirty_ = false;
  Listener listener_;
};

}  // namespace tractable
