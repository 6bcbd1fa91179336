#pragma once
// Progress of a long run: on a terminal one live line (step, loss, steps/s,
// ETA) rewritten in place; otherwise (Slurm logs, pipes) one plain line per
// report, so logs stay readable.
#include <cstdint>
#include <cstdio>
#include <string>

namespace tractable {

class Progress {
 public:
  // `enabled`: progress lines; `speaks`: this rank prints warnings (rank 0).
  Progress(std::int64_t total_steps, bool enabled, bool speaks = true);
  void report(std::int64_t step, double loss, double steps_per_second);
  void note(const std::string& line);  // a message that must not be overwritten
  void warn(const std::string& line);  // to stderr, even when progress output is off
  void finish();

 private:
  std::int64_t total_;
  bool enabled_, speaks_, live_, dirty_ = false;
};

}  // namespace tractable
