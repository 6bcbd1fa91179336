#include "cli/options.hpp"
#include "core/whole_file.hpp"
#include "cli/table_io.hpp"
#include "core/durable_file.hpp"
#include "experiment/model_compression.hpp"
#include "io/hdf5_file.hpp"

#include <cstdio>
#include <filesystem>

namespace tractable::cli {

namespace {
void one_rank(const Communicator& comm, const std::string& command) {
  if (comm.size() != 1)
    throw UsageError("tractable " + command + " runs on one rank: its tables must not depend on a reduction over ranks");
}
}  // namespace

int compress_command(const Arguments& args, const Communicator& comm) {
  po::options_description options("tractable compress");
  std::string path, input, out;
  bool force = false, last = false;
  BitsBackSettings settings;
  options.add_options()
      ("run", po::value(&path)->required(), "run file of a VAE (one stochastic layer, Bernoulli decoder)")
      ("input", po::value(&input)->required(), "binary images [N, D]: a CSV file, or FILE.h5:/dataset")
      ("out,o", po::value(&out)->required(), "the compressed file to write (.tbc)")
      ("latent-bits", po::value(&settings.latent_bits)->default_value(settings.latent_bits), "2^bits buckets per latent coordinate")
      ("posterior-precision", po::value(&settings.posterior_precision)->default_value(settings.posterior_precision),
       "bits of the integer tables of q(z|x) (and p(z1|z2)) over the buckets; above --latent-bits, at most 24")
      ("likelihood-precision", po::value(&settings.likelihood_precision)->default_value(16),
       "bits of each pixel's Bernoulli table, 2-24")
      ("lanes", po::value(&settings.lanes)->default_value(settings.lanes), "rANS heads the pixels are interleaved over (64 bits each in the file)")
      ("seed", po::value(&settings.seed)->default_value(0), "seed of the initial bits")
      ("force", po::bool_switch(&force), "replace an existing output file");
  add_last_option(options, last);
  po::positional_options_description positional;
  positional.add("run", 1).add("input", 1);
  po::variables_map vm;
  if (!parse_options(args, "compress", options, positional, vm, comm)) return 0;
  one_rank(comm, "compress");
  refuse_existing_output(out, force);
  auto session = load_model_session(path, last);
  check_compressible(*session, path);
  std::string origin;
  const HostMatrix rows = load_rows(input, origin);
  if (rows.extent(1) != session->dim)
    throw DataError(origin + ": has " + std::to_string(rows.extent(1)) + " columns, but " + path + " models " +
                    std::to_string(session->dim) + " pixels");
  check_binary_rows(rows, origin);
  CompressionReport r;
  const std::string bytes = compress_rows(*session, rows, settings, &r);
  replace_file_durably(out, bytes);
  const double pixels = double(r.pixels);
  std::printf(
      "{\"out\": \"%s\", \"images\": %zu, \"pixels\": %zu, \"bytes\": %zu, \"bits_per_pixel\": %.6f, "
      "\"bits_per_pixel_without_initial_bits\": %.6f, \"initial_bits\": %.0f, \"checkpoint\": \"%s\", "
      "\"seconds\": %.3f, \"images_per_second\": %.1f}\n",
      out.c_str(), r.images, r.pixels, r.bytes, 8.0 * double(r.bytes) / pixels,
      (r.message_bits - r.initial_bits) / pixels, r.initial_bits, session->checkpoint.c_str(), r.seconds,
      double(r.images) / r.seconds);
  return 0;
}

int decompress_command(const Arguments& args, const Communicator& comm) {
  po::options_description options("tractable decompress");
  std::string path, run, out;
  bool force = false;
  options.add_options()
      ("file", po::value(&path)->required(), "a file written by tractable compress")
      ("model", po::value(&run)->required(), "the run file whose VAE compressed it")
      ("out,o", po::value(&out)->required(), "OUT.h5 or OUT.h5:/dataset (default /images): uint8 [N, D]")
      ("force", po::bool_switch(&force), "replace an existing output file");
  po::positional_options_description positional;
  positional.add("file", 1);
  po::variables_map vm;
  if (!parse_options(args, "decompress", options, positional,
                     vm, comm))
    return 0;
  one_rank(comm, "decompress");
  const auto colon = out.find(":/");
  const std::string out_file = colon == std::string::npos ? out : out.substr(0, colon);
  const std::string dataset = colon == std::string::npos ? "/images" : out.substr(colon + 1);
  refuse_existing_output(out_file, force);
  std::string bytes;
  if (!read_whole_file(path, bytes)) throw DataError(path + ": cannot open");
  const CompressedFile file = parse_compressed(bytes, path);
  auto session = session_for(run, file, path);
  const HostMatrix images = decompress_bytes(*session, file, path);
  std::vector<std::uint8_t> values(images.extent(0) * images.extent(1));
  for (std::size_t i = 0; i < images.extent(0); ++i)
    for (std::size_t j = 0; j < images.extent(1); ++j) values[i * images.extent(1) + j] = images(i, j) > 0.5 ? 1 : 0;
  write_hdf5_durably(out_file, [&](Hdf5File& f) {
    f.write(dataset, values, {images.extent(0), images.extent(1)});
    f.set_attribute(dataset, "compressed_file", path);
    f.set_attribute(dataset, "model", run);
    f.set_attribute(dataset, "checkpoint", session->checkpoint);
  });
  std::printf("wrote %zu images of %zu pixels to %s:%s\n", images.extent(0), images.extent(1), out_file.c_str(),
              dataset.c_str());
  return 0;
}

}  // namespace tractable::cli
