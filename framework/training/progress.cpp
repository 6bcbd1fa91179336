#include "training/progress.hpp"

#include <unistd.h>

namespace tractable {

Progress::Progress(std::int64_t total_steps, bool enabled, bool speaks)
    : total_(total_steps), enabled_(enabled), speaks_(speaks), live_(enabled && isatty(fileno(stdout))) {}

void Progress::warn(const std::string& line) {
  if (!speaks_) return;
  if (dirty_) std::printf("\n");
  dirty_ = false;
  std::fflush(stdout);
  std::fprintf(stderr, "tractable: warning: %s\n", line.c_str());
}

void Progress::report(std::int64_t step, double loss, double steps_per_second) {
  if (listener_) listener_(step, total_, loss, steps_per_second);
  if (!enabled_) return;
  const double remaining = steps_per_second > 0 ? double(total_ - step) / steps_per_second : 0;
  const int minutes = int(remaining) / 60, seconds = int(remaining) % 60;
  std::printf("%sstep %lld/%lld  loss %.4f  %.1f steps/s  ETA %d:%02d%s", live_ ? "\r\033[K" : "",
              static_cast<long long>(step), static_cast<long long>(total_), loss, steps_per_second, minutes, seconds,
              live_ ? "" : "\n");
  std::fflush(stdout);
  dirty_ = live_;
}

void Progress::note(const std::string& line) {
  if (!enabled_) return;
  if (dirty_) std::printf("\n");
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
  dirty_ = false;
}

void Progress::finish() {
  if (dirty_) std::printf("\n");
  dirty_ = false;
  std::fflush(stdout);
}

}  // namespace tractable
