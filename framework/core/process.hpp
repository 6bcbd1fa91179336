#pragma once
// Child processes without a shell: argv vectors go straight to posix_spawnp,
// so no value is ever interpreted by sh.
#include <sys/types.h>

#include <string>
#include <vector>

namespace tractable {

// Starts argv[0] (looked up in PATH) in a process group of its own, with stdin
// from /dev/null and stdout and stderr appended to `log_path`. Throws IoError
// when it cannot start.
pid_t spawn_logged(const std::vector<std::string>& argv, const std::string& log_path);

// Waits for `pid`; returns its exit status, or 128 + signal if it was killed.
// A signal arriving meanwhile (EINTR) returns -1 so the caller can react.
int wait_for(pid_t pid);

struct CommandOutput {
  int exit_code = 0;   // 127: the program was not found
  std::string out, err;
};
// Runs argv to completion in `directory` (empty: the current one) and captures its output.
CommandOutput run_captured(const std::vector<std::string>& argv, const std::string& directory = "");

// Runs argv to completion with this process's stdin, stdout and stderr, and
// the environment plus `extra_environment` ("NAME=value" entries, which win).
// Returns the exit code (127: not found).
int run_in_foreground(const std::vector<std::string>& argv, const std::vector<std::string>& extra_environment);

// This machine's host name (attempt markers record it).
std::string host_name();

// The absolute path of the running executable (/proc/self/exe).
std::string self_executable();

}  // namespace tractable
