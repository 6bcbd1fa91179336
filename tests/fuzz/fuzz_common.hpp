#pragma once
// Shared by the libFuzzer targets: Kokkos started once per process, inputs as
// temporary files, and the rule every target enforces — bad input may only
// ever raise tractable::Error (a clear, documented exit code); any other
// exception escapes and libFuzzer reports it as a crash, as it does for
// memory errors (AddressSanitizer) and aborts.
#include <Kokkos_Core.hpp>
#include <mpi.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

namespace tractable::fuzz {

// MPI (one process: communicators are built even for one rank) and Kokkos, once.
inline void start_kokkos() {
  static const bool started = [] {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) MPI_Init(nullptr, nullptr);
    Kokkos::initialize();
    std::atexit([] {
      Kokkos::finalize();
      MPI_Finalize();
    });
    return true;
  }();
  (void)started;
}

// The input as a file in /tmp, removed when the guard goes out of scope.
class TemporaryFile {
 public:
  TemporaryFile(const std::uint8_t* data, std::size_t size, const char* suffix) {
    path_ = "/tmp/tractable-fuzz-" + std::to_string(::getpid()) + suffix;
    std::ofstream(path_, std::ios::binary).write(reinterpret_cast<const char*>(data), std::streamsize(size));
  }
  ~TemporaryFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace tractable::fuzz
