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
  Progress(std::int64_t total_steps, bool enabled);
  void report(std::int64_t step, double loss, double steps_per_second);
  void note(const std::string& line);  // a message that must not be overwritten
  void finish();

 private:
  std::int64_t total_;
  bool enabled_, live_, dirty_ = false;
};

}  // namespace tractable
