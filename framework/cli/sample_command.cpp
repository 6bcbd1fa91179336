// `tractable sample RUN.h5 -n N`: N samples of the trained model; a conditional
// flow takes --context (R rows of c) and draws N samples at each: [R, N, D],
// with the log q(x | c) the sampler reports beside them.
#include "cli/options.hpp"
#include "cli/table_io.hpp"
#include "core/error.hpp"
#include "experiment/model_queries.hpp"
#include "problems/evaluation.hpp"
#include "experiment/model_session.hpp"
#include "problems/vae_evaluation.hpp"
#include "io/distributed_rows.hpp"
#include "io/hdf5_file.hpp"

#include <cstdio>
#include <filesystem>
#include <optional>

namespace tractable::cli {

namespace {
// R·n draws of a conditional flow, n per context row: each rank draws its contiguous share of the draws
// from its own stream (seed, rank); rank 0 writes /samples [R, n, D], /log_prob [R, n] and /context [R, C].
int sample_at_context_rows(ModelSession& session, const HostMatrix& contexts, const std::string& context_input,
                           std::size_t n, std::uint64_t seed, const std::string& path, const std::string& out,
                           const std::string& format, const Communicator& comm) {
  const std::size_t R = contexts.extent(0), D = session.dim, C = session.context_dim;
  const auto [begin, end] = comm.shard(R * n);
  RandomStream stream(seed, comm.rank(), Stream::sample);
  const ContextSamples mine = sample_at_contexts(*session.flow, stream, contexts, n, begin, end - begin, 4096);
  const std::vector<double> samples = comm.gather_to_root(flatten(mine.samples)), log_q = comm.gather_to_root(mine.log_q);
  const std::vector<OutputArray> arrays{{"/samples", {R, n, D}, samples, true},
                                        {"/log_prob", {R, n}, log_q},
                                        {"/context", {R, C}, flatten(contexts)}};
  if (format == "csv") {
    // One line per draw: its context row (0-based), x_0 … x_{D−1}, log q(x | c).
    std::vector<double> row_index(R * n);
    for (std::size_t k = 0; k < R * n; ++k) row_index[k] = double(k / n);
    const OutputArray index{"/context_row", {R * n}, row_index}, x{"/samples", {R * n, D}, samples},
        lq{"/log_prob", {R * n}, log_q};
    std::vector<std::string> header{"context_row"};
    for (std::size_t d = 0; d < D; ++d) header.push_back("x" + std::to_string(d));
    header.push_back("log_prob");
    print_csv(header, {&index, &x, &lq}, comm);
  }
  if (!out.empty()) {
    write_arrays(out, arrays,
                 {{"run", path}, {"seed", std::to_string(seed)}, {"ranks", std::to_string(comm.size())},
                  {"context", context_input}, {"checkpoint", session.checkpoint},
                  {"checkpoint_step", std::to_string(session.checkpoint_step)}},
                 comm);
    if (comm.is_root() && format != "csv")
      std::printf("wrote %zu samples of dimension %zu at each of %zu contexts to %s:/samples [%zu, %zu, %zu] "
                  "(and /log_prob, /context)\n",
                  n, D, R, out.c_str(), R, n, D);
  }
  return 0;
}
}  // namespace

int sample_command(const Arguments& args, const Communicator& comm) {
  po::options_description options("tractable sample");
  bool last = false;
  std::string path, out;
  std::size_t n = 0;
  std::uint64_t seed = 0;
  bool force = false;
  std::string write_mode = "auto", format = "hdf5", context_input;
  options.add_options()
      ("run", po::value(&path)->required(), "run file")
      ("n,n", po::value(&n)->required(), "number of samples")
      ("out,o", po::value(&out), "HDF5 file to write (/samples [n, D]; with --context [R, n, D])")
      ("context", po::value(&context_input),
       "conditional flows: R context rows (a CSV file or FILE.h5:/dataset [R, C]); n samples are drawn at each")
      ("format", po::value(&format)->default_value("hdf5"), "hdf5 (to --out) or csv (one sample per line to standard output)")
      ("seed", po::value(&seed)->default_value(0), "seed of the sampling stream")
      ("force", po::bool_switch(&force), "replace an existing output file")
      ("parallel-write", po::value(&write_mode)->default_value("auto"),
       "under MPI: gather (to rank 0), collective (parallel HDF5), or auto (collective from 16 MiB, measured)");
  add_last_option(options, last);
  po::positional_options_description positional;
  positional.add("run", 1);
  po::variables_map vm;
  if (!parse_options(args, "sample", options,
                     positional, vm, comm))
    return 0;
  if (n == 0) throw UsageError("-n must be positive");
  if (write_mode != "auto" && write_mode != "gather" && write_mode != "collective")
    throw UsageError("--parallel-write must be auto, gather or collective, got '" + write_mode + "'");
  if (format != "hdf5" && format != "csv") throw UsageError("--format must be hdf5 or csv, got '" + format + "'");
  if (format == "hdf5" && out.empty()) throw UsageError("--out FILE.h5 is required (or --format csv)");
  refuse_existing_output(out, force);
  auto session = load_model_session(path, last);
  std::optional<HostMatrix> contexts;
  std::string context_origin;
  if (!context_input.empty()) contexts = load_rows(context_input, context_origin);
  check_contexts(*session, contexts ? &*contexts : nullptr, context_origin, "--context");
  if (contexts) return sample_at_context_rows(*session, *contexts, context_input, n, seed, path, out, format, comm);
  // Under MPI each rank draws its contiguous share of the rows from its own stream (seed, rank), and the
  // shares are written as one dataset: gathered for small arrays, collectively (parallel HDF5) for large.
  const auto [begin, end] = comm.shard(n);
  RandomStream stream(seed, comm.rank(), Stream::sample);
  const std::size_t mine = end - begin;
  const HostMatrix samples = mine == 0 ? HostMatrix("tractable::samples", 0, session->dim)
                             : session->vae ? session->vae->sample_means(stream, mine)  // decoder means at z ~ N(0, I)
                                            : draw_samples(*session->flow, stream, mine, 4096);
  if (format == "csv") {
    // The same rows as the HDF5 output, gathered in rank order, x_0 … x_{D−1} per line.
    const auto all = comm.gather_to_root(flatten(samples));
    const OutputArray rows{"/samples", {all.size() / session->dim, session->dim}, all};
    std::vector<std::string> header;
    for (std::size_t d = 0; d < session->dim; ++d) header.push_back("x" + std::to_string(d));
    print_csv(header, {&rows}, comm);
    if (out.empty()) return 0;
  }
  const RowWrite how = write_distributed_rows(
      out, "/samples", samples, comm,
      write_mode == "gather" ? RowWrite::gather : write_mode == "collective" ? RowWrite::collective : RowWrite::automatic,
      std::size_t(1) << 24, [&](Hdf5File& file) {
        file.set_attribute("/samples", "run", path);
        file.set_attribute("/samples", "seed", static_cast<std::int64_t>(seed));
        file.set_attribute("/samples", "ranks", static_cast<std::int64_t>(comm.size()));
        file.set_attribute("/samples", "checkpoint", session->checkpoint);
        file.set_attribute("/samples", "checkpoint_step", static_cast<std::int64_t>(session->checkpoint_step));
      });
  if (!comm.is_root() || format == "csv") return 0;
  std::printf("wrote %zu samples of dimension %zu to %s:/samples (%s)\n", n, samples.extent(1), out.c_str(),
              comm.size() == 1 ? "one rank" : how == RowWrite::collective ? "parallel HDF5, each rank its rows" : "gathered on rank 0");
  return 0;
}

}  // namespace tractable::cli
