#pragma once
// Replacing a file so that a crash, a full disk or a vanished directory never
// leaves a half-written one under its name: the bytes go to `<path>.partial`
// (or a name of the caller's), are fsynced, and the partial file is renamed
// over `path`, then the directory is fsynced. Every failure of the file system
// (ENOSPC, EDQUOT, EROFS, EACCES, EIO, EFBIG, ENOENT when the directory went
// away) is an IoError naming the file and the cause in words, and the partial
// file is removed, so the previous file is untouched and no space stays taken.
#include <cstddef>
#include <string>

namespace tractable {

void replace_file_durably(const std::string& path, const void* data, std::size_t size,
                          const std::string& partial_name = "");
inline void replace_file_durably(const std::string& path, const std::string& text, const std::string& partial_name = "") {
  replace_file_durably(path, text.data(), text.size(), partial_name);
}

// errno in words, as these messages give it ("no space left on device", ...).
std::string file_error_cause(int error);

// Ignore SIGXFSZ, so a write past `ulimit -f` fails with EFBIG (an IoError) instead of killing the process.
void report_file_size_limit_as_error();

}  // namespace tractable
