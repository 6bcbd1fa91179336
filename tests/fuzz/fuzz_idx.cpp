// Fuzzes the MNIST IDX readers (raw or gzip-compressed headers, dimensions,
// truncation, trailing bytes, corrupt streams).
#include "core/error.hpp"
#include "data/mnist.hpp"
#include "fuzz_common.hpp"

using namespace tractable;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::start_kokkos();
  // Headers that promise huge images are the interesting case, but allocation beyond the input is refused
  // before it happens (the size check precedes the allocation), so any input is safe to try.
  const fuzz::TemporaryFile file(data, size, ".idx");
  try {
    const auto images = read_idx_images(file.path());
    for (std::size_t i = 0; i < images.images.extent(0); ++i)
      for (std::size_t j = 0; j < images.images.extent(1); ++j)
        if (!(images.images(i, j) >= 0 && images.images(i, j) <= 1)) std::abort();
  } catch (const Error&) {
  }
  try {
    read_idx_labels(file.path());
  } catch (const Error&) {
  }
  return 0;
}
