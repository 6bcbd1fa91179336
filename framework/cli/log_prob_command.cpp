// `tractable log-prob RUN.h5 INPUT [--out OUT.h5] [--format csv] [-k K]`: the
// trained model's log-density of every row of INPUT (a CSV file, or
// FILE.h5:/path/to/dataset), in input order. Flows: exact log p(x). VAEs: the
// K-sample importance estimate log p̂(x) = log (1/K) Σ_k w_k with q(z|x) as
// proposal, and beside it the ELBO estimate (1/K) Σ_k log w_k from the same
// samples, drawn from the run's evaluation stream (so the run's own
// /eval/test_log_likelihood is reproduced for its test rows). A conditional
// flow takes --context, one row of c per row of INPUT: log p(x | c). Under MPI
// the rows are sharded and gathered back in order.
#include "cli/options.hpp"
#include "cli/table_io.hpp"
#include "experiment/model_queries.hpp"

#include <optional>

#include <cstdio>
#include <filesystem>

namespace tractable::cli {


int log_prob_command(const Arguments& args, const Communicator& comm) {
  po::options_description options("tractable log-prob");
  bool last = false;
  std::string path, input, out, format = "hdf5", context_input;
  std::size_t batch = 4096, importance_samples = 0;
  bool force = false;
  options.add_options()
      ("run", po::value(&path)->required(), "run file")
      ("input", po::value(&input)->required(), "rows to evaluate: a CSV file, or FILE.h5:/path/to/dataset [N, D]")
      ("context", po::value(&context_input),
       "conditional flows: the context c of every row, a CSV file or FILE.h5:/dataset [N, C]")
      ("out,o", po::value(&out), "HDF5 file to write: /log_prob [N] float64 (VAEs also /elbo [N])")
      ("format", po::value(&format)->default_value("hdf5"), "hdf5 (to --out) or csv (to standard output)")
      ("importance-samples,k", po::value(&importance_samples)->default_value(0),
       "VAE: importance samples K per row (default: the spec's objective.eval_importance_samples)")
      ("batch", po::value(&batch)->default_value(4096), "rows per evaluation pass")
      ("force", po::bool_switch(&force), "replace an existing output file");
  add_last_option(options, last);
  po::positional_options_description positional;
  positional.add("run", 1).add("input", 1);
  po::variables_map vm;
  if (!parse_options(args, "log-prob", options, positional,
                     vm, comm))
    return 0;
  if (format != "hdf5" && format != "csv") throw UsageError("--format must be hdf5 or csv, got '" + format + "'");
  if (format == "hdf5" && out.empty()) throw UsageError("--out OUT.h5 is required (or --format csv)");
  if (batch == 0) throw UsageError("--batch must be positive");
  refuse_existing_output(out, force);

  auto session = load_model_session(path, last);
  std::string origin;
  const HostMatrix rows = load_rows(input, origin);
  if (rows.extent(1) != session->dim)
    throw DataError(origin + ": has " + std::to_string(rows.extent(1)) + " columns, but " + path + " was trained on " +
                    std::to_string(session->dim));
  check_data_rows(*session, rows, origin);
  std::optional<HostMatrix> context;
  std::string context_origin;
  if (!context_input.empty()) context = load_rows(context_input, context_origin);
  check_contexts(*session, context ? &*context : nullptr, context_origin, "--context");
  const RowLogProb local = log_prob_of_rows(
      *session, rows_with_context(rows, context ? &*context : nullptr, origin, context_origin), importance_samples,
      batch, comm);
  const std::size_t K = local.importance_samples;
  const std::vector<double> log_prob = comm.gather_to_root(local.log_prob), elbo = comm.gather_to_root(local.elbo);

  std::vector<OutputArray> arrays{{"/log_prob", {log_prob.size()}, log_prob}};
  if (session->vae) arrays.push_back({"/elbo", {elbo.size()}, elbo});
  if (format == "csv") {
    std::vector<const OutputArray*> columns;
    for (const auto& a : arrays) columns.push_back(&a);
    print_csv(session->vae ? std::vector<std::string>{"log_prob", "elbo"} : std::vector<std::string>{"log_prob"},
              columns, comm);
  }
  if (!out.empty()) {
    std::vector<std::pair<std::string, std::string>> attributes{{"run", path}, {"input", input}, {"units", "nats"},
        {"context", context_input},
        {"checkpoint", session->checkpoint}, {"checkpoint_step", std::to_string(session->checkpoint_step)}};
    if (session->vae) attributes.emplace_back("importance_samples", std::to_string(K));
    write_arrays(out, arrays, attributes, comm);
    if (comm.is_root() && format != "csv")
      std::printf("wrote log p of %zu rows to %s:/log_prob%s\n", log_prob.size(), out.c_str(),
                  session->vae ? " (and /elbo)" : "");
  }
  return 0;
}

}  // namespace tractable::cli
