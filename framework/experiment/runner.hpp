#pragma once
// `tractable run`: spec -> data, model, objective, optimiser -> the
// data-parallel training loop -> one run file. The step is
//   zero grads -> objective on this rank's shard -> one all-reduce (sum; the
//   objective already scaled by 1/global batch) -> non-finite guard ->
//   clip -> optimiser,
// with metrics reduced across ranks and only rank 0 writing the run file.
// SIGUSR1/SIGTERM make every rank checkpoint at the next step boundary and
// return `interrupted`; a non-finite loss or gradient stops the run or, with
// training.on_non_finite = "skip", skips the step.
#include "parallel/communicator.hpp"
#include "data/external_simulator.hpp"
#include "training/progress.hpp"
#include "training/trainer.hpp"  // install_stop_signal_handlers

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tractable {

struct RunOptions {
  std::string spec_path;        // the spec file, or the name of `spec_document` in errors
  std::optional<nlohmann::json> spec_document;  // a spec held in memory (the Python module), read instead
  std::vector<std::string> overrides;
  std::string out;       // overrides output.path
  bool resume = false;   // continue from the run file's checkpoint
  bool force = false;    // replace an existing run file
  bool break_lock = false;  // take the run file's lock even from a live-looking holder on another host
  bool quiet = false;
  // --resume with data whose fingerprint differs from the one in /provenance (recorded in the run file).
  bool allow_changed_data = false;
  std::string command_line;
  Progress::Listener listener;  // each progress report, in-process (null: none)
  // data.source external_simulator without data.command: the simulator, in-process (the Python module's).
  SimulatorFunction simulator_function;
  std::string simulator_function_name;
};

struct RunSummary {
  std::string path;
  std::int64_t steps = 0;
  // The last evaluation: test_nll, test_bits_per_dim (nll); elbo, log_z,
  // ess_fraction, kl, reference_log_z (reverse_kl).
  std::map<std::string, double> results;
  double steps_per_second = 0, seconds = 0;
  // A stop signal (SIGUSR1/SIGTERM) ended the run early after a checkpoint; the CLI exits with ExitCode::requeue.
  bool interrupted = false;
  ModelSelection selection;  // best validation loss and step (best_step −1: no validation split); stopped early
  std::string validation_column;  // "validation_nll" (flows), "validation_loss" (VAEs: −L_k)
  double result(const std::string& name) const { return results.at(name); }
};

RunSummary run_experiment(const RunOptions& options, const Communicator& comm);


}  // namespace tractable
