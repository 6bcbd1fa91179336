// Fuzzes the CSV loader (header detection, number parsing, ragged rows, NaN/Inf).
#include "core/error.hpp"
#include "data/file_loaders.hpp"
#include "fuzz_common.hpp"

using namespace tractable;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::start_kokkos();
  const fuzz::TemporaryFile file(data, size, ".csv");
  try {
    const HostMatrix rows = load_csv(file.path());
    if (rows.extent(0) == 0 || rows.extent(1) == 0) std::abort();  // the loader promises a non-empty matrix
  } catch (const Error&) {
  }
  return 0;
}
