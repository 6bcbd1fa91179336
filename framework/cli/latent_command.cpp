// `tractable encode RUN.h5 INPUT`: q(z|x)'s mean and log-variance per row of
// INPUT [N, D] (the first stochastic layer's); `tractable decode RUN.h5 INPUT`:
// the decoder means E[x|z] per row of INPUT [N, L]. VAEs only; one rank's work
// (the rows are small); results to --out OUT.h5 (/mean, /log_variance) or as CSV.
#include "cli/options.hpp"
#include "cli/table_io.hpp"
#include "data/dataset.hpp"
#include "experiment/model_queries.hpp"

#include <cstdio>
#include <filesystem>

namespace tractable::cli {

namespace {
int latent_command(const Arguments& args, const Communicator& comm, bool encoding) {
  const std::string name = encoding ? "encode" : "decode";
  po::options_description options("tractable " + name);
  bool last = false;
  std::string path, input, out, format = "hdf5";
  bool force = false;
  options.add_options()
      ("run", po::value(&path)->required(), "run file of a VAE")
      ("input", po::value(&input)->required(),
       encoding ? "data rows [N, D]: a CSV file, or FILE.h5:/dataset" : "latent points [N, L]: a CSV file, or FILE.h5:/dataset")
      ("out,o", po::value(&out), encoding ? "HDF5 file: /mean, /log_variance [N, L] (float32)" : "HDF5 file: /mean [N, D] (float32)")
      ("format", po::value(&format)->default_value("hdf5"), "hdf5 (to --out) or csv (to standard output)")
      ("force", po::bool_switch(&force), "replace an existing output file");
  add_last_option(options, last);
  po::positional_options_description positional;
  positional.add("run", 1).add("input", 1);
  po::variables_map vm;
  if (!parse_options(args, name, options, positional, vm,
                     comm))
    return 0;
  if (format != "hdf5" && format != "csv") throw UsageError("--format must be hdf5 or csv, got '" + format + "'");
  if (format == "hdf5" && out.empty()) throw UsageError("--out OUT.h5 is required (or --format csv)");
  refuse_existing_output(out, force);
  auto session = load_model_session(path, last);
  if (!session->vae) throw UsageError("tractable " + name + ": " + path + " trained a flow, not a VAE");
  LatentVariableModel& vae = *session->vae;
  std::string origin;
  const HostMatrix rows = load_rows(input, origin);
  const std::size_t width = encoding ? session->dim : vae.latent(), n = rows.extent(0);
  if (rows.extent(1) != width)
    throw DataError(origin + ": has " + std::to_string(rows.extent(1)) + " columns, but " + path + (encoding ? " models " : " has ") +
                    std::to_string(width) + (encoding ? " data dimensions" : " latent dimensions"));
  if (encoding)
    check_data_rows(*session, rows, origin);
  else
    check_finite(rows, origin);
  std::vector<OutputArray> arrays;
  std::vector<std::string> header;
  if (encoding) {
    const std::size_t L = vae.latent();
    const auto [mean, log_variance] = encode_rows(vae, rows);
    for (std::size_t l = 0; l < L; ++l) header.push_back("mean_" + std::to_string(l));
    for (std::size_t l = 0; l < L; ++l) header.push_back("log_variance_" + std::to_string(l));
    arrays = {{"/mean", {n, L}, flatten(mean), true}, {"/log_variance", {n, L}, flatten(log_variance), true}};
  } else {
    const HostMatrix means = decode_rows(vae, rows);
    arrays = {{"/mean", {n, means.extent(1)}, flatten(means), true}};
    for (std::size_t d = 0; d < means.extent(1); ++d) header.push_back("mean_" + std::to_string(d));
  }
  if (format == "csv") {
    std::vector<const OutputArray*> columns;
    for (const auto& a : arrays) columns.push_back(&a);
    print_csv(header, columns, comm);
  }
  if (!out.empty()) {
    write_arrays(out, arrays,
                 {{"run", path}, {"input", input}, {"checkpoint", session->checkpoint},
                  {"checkpoint_step", std::to_string(session->checkpoint_step)}},
                 comm);
    if (comm.is_root() && format != "csv") std::printf("wrote %s of %zu rows to %s\n", name.c_str(), n, out.c_str());
  }
  return 0;
}
}  // namespace

int encode_command(const Arguments& args, const Communicator& comm) { return latent_command(args, comm, true); }
int decode_command(const Arguments& args, const Communicator& comm) { return latent_command(args, comm, false); }

}  // namespace tractable::cli
