#include "core/whole_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace tractable {

Placed place_whole_file(const std::string& path, const std::string& text, bool exclusive, std::string* error) {
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  const std::string own = path + "." + host + "." + std::to_string(getpid()) + ".new";
  {
    std::ofstream out(own, std::ios::trunc);
    out << text;
    if (!out.flush()) {
      if (error) *error = std::strerror(errno);
      std::remove(own.c_str());
      return Placed::failed;
    }
  }
  int result = 0, saved_errno = 0;
  if (exclusive) {
    result = link(own.c_str(), path.c_str());
    saved_errno = errno;
    struct stat st {};
    // Over NFS a lost reply can report failure for a link that was made: the link count says.
    if (result != 0 && stat(own.c_str(), &st) == 0 && st.st_nlink == 2) result = 0;
  } else {
    result = std::rename(own.c_str(), path.c_str());
    saved_errno = errno;
  }
  std::remove(own.c_str());
  if (result == 0) return Placed::placed;
  if (exclusive && saved_errno == EEXIST) return Placed::exists;
  if (error) *error = std::strerror(saved_errno);
  return Placed::failed;
}

bool read_whole_file(const std::string& path, std::string& text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    text.clear();
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  text = buffer.str();
  return true;
}

}  // namespace tractable
