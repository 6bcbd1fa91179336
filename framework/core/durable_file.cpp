#include "core/durable_file.hpp"

#include "core/error.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <unistd.h>

namespace tractable {

std::string file_error_cause(int error) {
  switch (error) {
    case ENOSPC: return "no space left on device";
    case EDQUOT: return "disk quota exceeded";
    case EROFS: return "read-only file system";
    case EACCES: return "permission denied";
    case EIO: return "input/output error";
    case EFBIG: return "file too large (the file-size limit, ulimit -f)";
    case ENOENT: return "no such file or directory (was the directory removed?)";
    default: return std::strerror(error);
  }
}
namespace {
std::string cause(int error) { return file_error_cause(error); }
}  // namespace

void replace_file_durably(const std::string& path, const void* data, std::size_t size, const std::string& partial_name) {
  const std::string partial = partial_name.empty() ? path + ".partial" : partial_name;
  auto fail = [&](const std::string& what, int error, int fd) {
    if (fd >= 0) ::close(fd);
    ::unlink(partial.c_str());  // frees the space; the previous file keeps its name
    throw IoError(partial + ": " + what + ": " + cause(error) + "; " + path + " is unchanged");
  };
  const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int error = errno;
    throw IoError(partial + ": cannot create: " + cause(error) + "; " + path + " is unchanged");
  }
  const char* bytes = static_cast<const char*>(data);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, bytes + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot write", errno, fd);
    if (n == 0) fail("cannot write", EIO, fd);
    done += std::size_t(n);
  }
  if (::fsync(fd) != 0 && errno != EINVAL) fail("cannot sync to disk", errno, fd);
  if (::close(fd) != 0) fail("cannot close", errno, -1);
  if (std::rename(partial.c_str(), path.c_str()) != 0) fail("cannot rename into place", errno, -1);
  // The rename itself is durable once the directory is.
  const auto parent = std::filesystem::path(path).parent_path();
  const int dir = ::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

void report_file_size_limit_as_error() { std::signal(SIGXFSZ, SIG_IGN); }

}  // namespace tractable
