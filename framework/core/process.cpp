#include "core/process.hpp"

#include "core/error.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

extern char** environ;

namespace tractable {

namespace {

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

struct FileActions {
  posix_spawn_file_actions_t actions;
  FileActions() { posix_spawn_file_actions_init(&actions); }
  ~FileActions() { posix_spawn_file_actions_destroy(&actions); }
};

int decode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

}  // namespace

pid_t spawn_logged(const std::vector<std::string>& argv, const std::string& log_path) {
  FileActions fa;
  posix_spawn_file_actions_addopen(&fa.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa.actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa.actions, 1, 2);
  // Its own process group: a terminal's Ctrl-C reaches only the parent, which then asks
  // the child to checkpoint (SIGUSR1) instead of the child dying mid-step.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  pid_t pid = 0;
  auto args = c_argv(argv);
  const int rc = posix_spawnp(&pid, args[0], &fa.actions, &attributes, args.data(), environ);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0) throw IoError("cannot start '" + argv[0] + "': " + std::strerror(rc));
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  const pid_t r = waitpid(pid, &status, 0);
  if (r < 0) {
    if (errno == EINTR) return -1;
    throw Error(ExitCode::internal, std::string("waitpid: ") + std::strerror(errno));
  }
  return decode(status);
}

int run_in_foreground(const std::vector<std::string>& argv, const std::vector<std::string>& extra_environment) {
  std::vector<std::string> environment = extra_environment;
  for (char** e = environ; *e; ++e) {
    const std::string entry(*e), name = entry.substr(0, entry.find('='));
    bool overridden = false;
    for (const auto& extra : extra_environment) overridden |= extra.substr(0, extra.find('=')) == name;
    if (!overridden) environment.push_back(entry);
  }
  auto args = c_argv(argv);
  auto env = c_argv(environment);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), env.data());
  if (rc != 0) return 127;
  int code;
  while ((code = wait_for(pid)) < 0) {
  }
  return code;
}

CommandOutput run_captured(const std::vector<std::string>& argv, const std::string& directory) {
  int out_pipe[2], err_pipe[2];
  if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) throw IoError(std::string("pipe: ") + std::strerror(errno));
  FileActions fa;
  posix_spawn_file_actions_addopen(&fa.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa.actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa.actions, err_pipe[1], 2);
  posix_spawn_file_actions_addclose(&fa.actions, out_pipe[0]);
  posix_spawn_file_actions_addclose(&fa.actions, err_pipe[0]);
  if (!directory.empty()) posix_spawn_file_actions_addchdir_np(&fa.actions, directory.c_str());
  pid_t pid = 0;
  auto args = c_argv(argv);
  const int rc = posix_spawnp(&pid, args[0], &fa.actions, nullptr, args.data(), environ);
  close(out_pipe[1]);
  close(err_pipe[1]);
  CommandOutput result;
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    result.exit_code = 127;
    result.err = "cannot start '" + argv[0] + "': " + std::strerror(rc);
    return result;
  }
  // Read both pipes until both close, so neither can fill up and block the child.
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_count = 2;
  char buffer[4096];
  while (open_count > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
  int code;
  while ((code = wait_for(pid)) < 0) {
  }
  result.exit_code = code;
  return result;
}

std::string host_name() {
  char name[256] = {0};
  gethostname(name, sizeof name - 1);
  return name;
}

std::string self_executable() { return std::filesystem::read_symlink("/proc/self/exe").string(); }

}  // namespace tractable
