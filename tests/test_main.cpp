// Test main: MPI, then Kokkos (through the framework's one Runtime), then Catch.
// Every test runs inside a fresh temporary directory (rank 0 makes it, every
// rank works in it, rank 0 removes it at the end), so the files tests write
// (run files and their RUN.h5.d directories, CSVs) never land in the checkout
// or the build tree, and test processes that ctest runs side by side never
// share a file. Tests find the sources through TRACTABLE_SOURCE_DIR.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "parallel/runtime.hpp"

#include <mpi.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace {

std::string shared_temporary_directory() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::vector<char> name(4096, '\0');
  if (rank == 0) {
    const std::string pattern = (std::filesystem::temp_directory_path() / "tractable-tests-XXXXXX").string();
    std::copy(pattern.begin(), pattern.end(), name.begin());
    if (!::mkdtemp(name.data())) name.assign(name.size(), '\0');
  }
  MPI_Bcast(name.data(), static_cast<int>(name.size()), MPI_CHAR, 0, MPI_COMM_WORLD);
  return std::string(name.data());
}

}  // namespace

int main(int argc, char** argv) {
  tractable::Runtime runtime(argc, argv);
  const std::string directory = shared_temporary_directory();
  if (directory.empty()) return 1;
  std::filesystem::current_path(directory);
  const int result = Catch::Session().run(argc, argv);
  MPI_Barrier(MPI_COMM_WORLD);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::filesystem::current_path(std::filesystem::temp_directory_path());
  std::error_code ec;
  if (rank == 0) std::filesystem::remove_all(directory, ec);
  return result;
}
