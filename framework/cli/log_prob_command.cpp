// `tractable log-prob RUN.h5 INPUT [--out OUT.h5] [--format csv] [-k K]`: the
// trained model's log-density of every row of INPUT (a CSV file, or
// FILE.h5:/path/to/dataset), in input order. Flows: exact log p(x). VAEs: the
// K-sample importance estimate log p̂(x) = log (1/K) Σ_k w_k with q(z|x) as
// proposal, and beside it the ELBO estimate (1/K) Σ_k log w_k from the same
// samples, drawn from the run's evaluation stream (so the run's own
// /eval/test_log_likelihood is reproduced for its test rows). Under MPI the
// rows are sharded and gathered back in order.
#include "cli/options.hpp"
#include "core/durable_file.hpp"
#include "data/dataset.hpp"
#include "data/file_loaders.hpp"
#include "data/mnist.hpp"
#include "experiment/model_session.hpp"
#include "experiment/problem_from_spec.hpp"
#include "io/hdf5_file.hpp"
#include "problems/evaluation.hpp"
#include "problems/vae_evaluation.hpp"

#include <cstdio>
#include <filesystem>

namespace tractable::cli {

namespace {
// "FILE.h5:/dataset" names an HDF5 dataset; anything else is a CSV file.
HostMatrix load_input(const std::string& input, std::string& origin) {
  const auto colon = input.rfind(':');
  if (colon != std::string::npos && colon + 1 < input.size() && input[colon + 1] == '/') {
    origin = input;
    return load_hdf5_dataset(input.substr(0, colon), input.substr(colon + 1));
  }
  origin = input;
  return load_csv(input);
}
}  // namespace

int log_prob_command(const Arguments& args, const Communicator& comm) {
  po::options_description options("tractable log-prob");
  std::string path, input, out, format = "hdf5";
  std::size_t batch = 4096, importance_samples = 0;
  bool force = false;
  options.add_options()
      ("run", po::value(&path)->required(), "run file")
      ("input", po::value(&input)->required(), "rows to evaluate: a CSV file, or FILE.h5:/path/to/dataset [N, D]")
      ("out,o", po::value(&out), "HDF5 file to write: /log_prob [N] float64 (VAEs also /elbo [N])")
      ("format", po::value(&format)->default_value("hdf5"), "hdf5 (to --out) or csv (to standard output)")
      ("importance-samples,k", po::value(&importance_samples)->default_value(0),
       "VAE: importance samples K per row (default: the spec's objective.eval_importance_samples)")
      ("batch", po::value(&batch)->default_value(4096), "rows per evaluation pass")
      ("force", po::bool_switch(&force), "replace an existing output file");
  po::positional_options_description positional;
  positional.add("run", 1).add("input", 1);
  po::variables_map vm;
  if (!parse_options(args, "tractable log-prob RUN.h5 INPUT (--out OUT.h5 | --format csv) [-k K]", options, positional,
                     vm, comm))
    return 0;
  if (format != "hdf5" && format != "csv") throw UsageError("--format must be hdf5 or csv, got '" + format + "'");
  if (format == "hdf5" && out.empty()) throw UsageError("--out OUT.h5 is required (or --format csv)");
  if (batch == 0) throw UsageError("--batch must be positive");
  if (!out.empty() && !force && std::filesystem::exists(out))
    throw IoError(out + ": exists; pass --force to replace it");

  auto session = load_model_session(path);
  std::string origin;
  const HostMatrix rows = load_input(input, origin);
  if (rows.extent(1) != session->dim)
    throw DataError(origin + ": has " + std::to_string(rows.extent(1)) + " columns, but " + path + " was trained on " +
                    std::to_string(session->dim));
  check_finite(rows, origin);
  if (model_needs_unit_interval(session->spec, session->dim)) check_unit_interval(rows, origin);

  std::vector<double> log_prob, elbo;
  std::size_t K = 0;
  if (session->vae) {
    K = importance_samples > 0 ? importance_samples
                               : session->spec.at("objective").at("eval_importance_samples").get<std::size_t>();
    const RandomStream stream(session->spec.at("training").at("seed").get<std::uint64_t>(), 0, Stream::eval);
    const auto r = evaluate_vae(*session->vae, rows, K, {1}, stream, batch, comm);
    log_prob = comm.gather_to_root(r.local_log_likelihood);
    elbo = comm.gather_to_root(r.local_elbo);
  } else {
    std::vector<double> local;
    evaluate_nll(require_flow(*session, "log-prob"), rows, batch, comm, &local);
    log_prob = comm.gather_to_root(local);
  }

  if (format == "csv" && comm.is_root()) {
    std::printf(session->vae ? "log_prob,elbo\n" : "log_prob\n");
    for (std::size_t i = 0; i < log_prob.size(); ++i) {
      if (session->vae)
        std::printf("%.17g,%.17g\n", log_prob[i], elbo[i]);
      else
        std::printf("%.17g\n", log_prob[i]);
    }
  }
  if (!out.empty()) {
    comm.write_on_root([&] {
      const std::string partial = out + ".partial";
      std::vector<char> image;
      {
        Hdf5File file = Hdf5File::in_memory(partial);
        file.write("/log_prob", log_prob, {log_prob.size()});
        file.set_attribute("/log_prob", "run", path);
        file.set_attribute("/log_prob", "input", input);
        file.set_attribute("/log_prob", "units", std::string("nats"));
        if (session->vae) {
          file.set_attribute("/log_prob", "importance_samples", static_cast<std::int64_t>(K));
          file.write("/elbo", elbo, {elbo.size()});
        }
        image = file.image();
      }
      replace_file_durably(out, image.data(), image.size(), partial);
    });
    if (comm.is_root() && format != "csv")
      std::printf("wrote log p of %zu rows to %s:/log_prob%s\n", log_prob.size(), out.c_str(),
                  session->vae ? " (and /elbo)" : "");
  }
  return 0;
}

}  // namespace tractable::cli
