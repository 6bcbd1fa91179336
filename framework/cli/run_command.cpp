#include "cli/options.hpp"
#include "experiment/runner.hpp"

#include <cstdio>

namespace tractable::cli {

int run_command(const Arguments& args, const Communicator& comm, const std::string& command_line) {
  po::options_description options("tractable run");
  RunOptions run;
  options.add_options()
      ("spec", po::value(&run.spec_path)->required(), "experiment spec (JSON)")
      ("set", po::value(&run.overrides)->composing(), "override a spec key: --set model.hidden=128 (repeatable)")
      ("out,o", po::value(&run.out), "run file to write (default: output.path, else runs/<name>.h5)")
      ("resume", po::bool_switch(&run.resume), "continue from the run file's last checkpoint")
      ("force", po::bool_switch(&run.force), "replace an existing run file")
      ("allow-changed-data", po::bool_switch(&run.allow_changed_data),
       "--resume even though the data's fingerprint (/provenance) changed; recorded in the run file")
      ("break-lock", po::bool_switch(&run.break_lock),
       "take RUN.h5.lock from a holder on another host that is known to be gone (see docs/reference/run-file.md)")
      ("quiet,q", po::bool_switch(&run.quiet), "no progress output");
  po::positional_options_description positional;
  positional.add("spec", 1);
  po::variables_map vm;
  if (!parse_options(args, "run",
                     options, positional, vm, comm))
    return 0;
  run.command_line = command_line;
  const RunSummary s = run_experiment(run, comm);
  if (s.interrupted) {
    if (comm.is_root())
      std::printf("interrupted: checkpoint at step %lld written to %s; continue with --resume (exit code %d)\n",
                  static_cast<long long>(s.steps), s.path.c_str(), static_cast<int>(ExitCode::requeue));
    return static_cast<int>(ExitCode::requeue);
  }
  if (comm.is_root()) {
    std::printf("run file:  %s\n", s.path.c_str());
    if (s.results.count("test_nll"))
      std::printf("test NLL:  %.4f nats (%.4f bits/dim) after %lld steps\n", s.result("test_nll"),
                  s.result("test_bits_per_dim"), static_cast<long long>(s.steps));
    else {
      std::printf("ELBO:      %.4f; log Z estimate %.4f (ESS %.1f%%) after %lld steps\n", s.result("elbo"),
                  s.result("log_z"), 100 * s.result("ess_fraction"), static_cast<long long>(s.steps));
      if (s.results.count("kl"))
        std::printf("KL(q||p):  %.4f nats (reference log Z %.4f)\n", s.result("kl"), s.result("reference_log_z"));
    }
    if (s.selection.best_step >= 0)
      std::printf("best:      %s %.4f at step %lld (/checkpoint_best: eval, log-prob, sample use it unless --last)%s\n",
                  s.validation_column.c_str(), s.selection.best_loss, static_cast<long long>(s.selection.best_step),
                  s.selection.stopped_early ? "; stopped early" : "");
    std::printf("speed:     %.1f steps/s on %d rank(s), %.1f s in total\n", s.steps_per_second, comm.size(), s.seconds);
    std::printf("plots:     /usr/bin/python3 -m analysis plot %s\n", s.path.c_str());
  }
  return 0;
}

}  // namespace tractable::cli
