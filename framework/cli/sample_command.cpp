#include "cli/options.hpp"
#include "core/error.hpp"
#include "experiment/evaluation.hpp"
#include "experiment/model_session.hpp"
#include "experiment/vae_evaluation.hpp"
#include "io/hdf5_file.hpp"

#include <cstdio>
#include <filesystem>

namespace tractable::cli {

int sample_command(const Arguments& args, const Communicator& comm) {
  po::options_description options("tractable sample");
  std::string path, out;
  std::size_t n = 0;
  std::uint64_t seed = 0;
  bool force = false;
  options.add_options()
      ("run", po::value(&path)->required(), "run file")
      ("n,n", po::value(&n)->required(), "number of samples")
      ("out,o", po::value(&out)->required(), "HDF5 file to write (/samples [n, D])")
      ("seed", po::value(&seed)->default_value(0), "seed of the sampling stream")
      ("force", po::bool_switch(&force), "replace an existing output file");
  po::positional_options_description positional;
  positional.add("run", 1);
  po::variables_map vm;
  if (!parse_options(args, "tractable sample RUN.h5 -n N --out FILE.h5 [--seed S]", options, positional, vm, comm))
    return 0;
  if (n == 0) throw UsageError("-n must be positive");
  if (!force && std::filesystem::exists(out)) throw IoError(out + ": exists; pass --force to replace it");
  auto session = load_model_session(path);
  if (!comm.is_root()) return 0;
  RandomStream stream(seed, 0, Stream::sample);
  // A VAE's samples are decoder means E[x|z] at prior draws z ~ N(0, I).
  const HostMatrix samples = session->vae ? session->vae->sample_means(stream, n) : draw_samples(*session->flow, stream, n, 4096);
  std::vector<Real> values(samples.data(), samples.data() + samples.size());
  Hdf5File file(out, Hdf5File::Mode::create_truncate);
  file.write("/samples", values, {samples.extent(0), samples.extent(1)});
  file.set_attribute("/samples", "run", path);
  file.set_attribute("/samples", "seed", static_cast<std::int64_t>(seed));
  std::printf("wrote %zu samples of dimension %zu to %s:/samples\n", n, samples.extent(1), out.c_str());
  return 0;
}

}  // namespace tractable::cli
