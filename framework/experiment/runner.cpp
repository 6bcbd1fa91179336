#include "experiment/runner.hpp"

#include "core/error.hpp"
#include "experiment/data_fingerprint.hpp"
#include "experiment/model_session.hpp"
#include "experiment/problem_from_spec.hpp"
#include "training/progress.hpp"
#include "experiment/provenance.hpp"
#include "experiment/run_spec.hpp"
#include "io/run_file.hpp"
#include "io/run_lock.hpp"
#include "training/trainer.hpp"

#include <chrono>
#include <filesystem>
#include <optional>

namespace tractable {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

std::string output_path(const RunOptions& options, const RunSpec& spec) {
  if (!options.out.empty()) return options.out;
  return spec.output.path.empty() ? "runs/" + spec.name + ".h5" : spec.output.path;
}

// The first JSON path where two specs differ, ignoring `ignored` (dotted).
std::string first_difference(const json& a, const json& b, const std::string& path, const std::string& ignored) {
  if (path == ignored) return "";
  // Integers read back from JSON text come back unsigned: compare numbers by value.
  if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>() ? "" : path;
  if (a.type() != b.type()) return path.empty() ? "(top level)" : path;
  if (a.is_object()) {
    for (auto it = a.begin(); it != a.end(); ++it) {
      const std::string child = path.empty() ? it.key() : path + "." + it.key();
      if (!b.contains(it.key())) return child;
      const auto d = first_difference(it.value(), b.at(it.key()), child, ignored);
      if (!d.empty()) return d;
    }
    for (auto it = b.begin(); it != b.end(); ++it)
      if (!a.contains(it.key())) return path.empty() ? it.key() : path + "." + it.key();
    return "";
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return path;
    for (std::size_t i = 0; i < a.size(); ++i) {
      const auto d = first_difference(a[i], b[i], path + "[" + std::to_string(i) + "]", ignored);
      if (!d.empty()) return d;
    }
    return "";
  }
  return a == b ? "" : path;
}

}  // namespace

RunSummary run_experiment(const RunOptions& options, const Communicator& comm) {
  const auto wall_start = Clock::now();
  RunSpec spec = options.spec_document ? resolve_spec(*options.spec_document, options.overrides, options.spec_path)
                                       : resolve_spec(options.spec_path, options.overrides);
  const std::string path = output_path(options, spec);
  const TrainerSettings& settings = spec.trainer;
  Progress progress(settings.steps, comm.is_root() && !options.quiet, comm.is_root());
  if (options.listener) progress.set_listener(options.listener);
  // One writer per run file, decided before anything is read or written (rank 0 writes; io/run_lock.hpp).
  std::optional<RunLock> lock;
  if (comm.is_root()) {
    const auto parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    lock.emplace(path, options.break_lock, [&](const std::string& line) { progress.warn(line); });
  }
  const bool exists = RunFile::exists(path);
  const bool resuming = options.resume && exists;
  if (exists && !options.resume && !options.force)
    throw IoError(path + ": a run file already exists; pass --resume to continue it or --force to replace it");
  if (exists && options.resume && options.force)
    throw UsageError("--resume and --force contradict each other");
  if (resuming) {
    // Only training.steps may change on resume (to extend a run). The stored spec is resolved
    // again, so keys added to the spec language since the run started take their defaults, except
    // those whose default would change what the run does (resolve_stored_spec): there the run's own
    // value replaces today's default.
    std::vector<json::json_pointer> legacy;
    const RunSpec stored = resolve_stored_spec(RunFile::read_spec(path), path + ":/spec", &legacy);
    if (!legacy.empty()) {
      json document = spec.document;
      for (const auto& place : legacy) document[place] = stored.document[place];
      spec = resolve_spec(document, {}, options.spec_path);
    }
    const std::string diff = first_difference(stored.document, spec.document, "", "training.steps");
    if (!diff.empty())
      throw SpecError(options.spec_path + ": differs from the spec stored in " + path + " at '" + diff +
                      "'; resume with the same spec (only training.steps may change)");
  }

  ProblemInputs inputs = load_problem_inputs(spec, comm, options.simulator_function ? &options.simulator_function : nullptr,
                                             options.simulator_function_name);
  // Every rank fingerprints the data it loaded, so every rank refuses changed data alike.
  const DataFingerprint fingerprint = inputs.target ? DataFingerprint{} : fingerprint_data(spec.data->section, inputs.data);
  std::vector<std::string> data_changes;
  json provenance_then;
  if (resuming) {
    provenance_then = RunFile::read_provenance(path);
    const DataFingerprint then = recorded_fingerprint(provenance_then);
    if (then.empty() && !fingerprint.empty())
      progress.warn(path + " records no data fingerprint (written before fingerprints): the data cannot be checked");
    else
      data_changes = fingerprint_changes(then, fingerprint);
    if (!data_changes.empty() && !options.allow_changed_data) {
      std::string list;
      for (const auto& change : data_changes) list += "\n  " + change;
      DataChangedError error(path + ": the data changed since the run started:" + list +
                             "\nresume with the data it started with, or pass --allow-changed-data to train on with "
                             "this data (recorded in /provenance); nothing was changed");
      error.set_on_all_ranks();
      throw error;
    }
  }
  if (settings.early_stopping_patience > 0 && inputs.data.validation.extent(0) == 0)
    throw SpecError(options.spec_path + ": training.early_stopping_patience needs a validation split, and " +
                    inputs.data.origin + " has none (set data.validation_fraction > 0; mnist: data.train_split "
                    "\"train\"; a reverse_kl run has no data)");
  auto session = build_model_session(spec, inputs.dim, comm, inputs.context_dim);
  comm.broadcast(session->store.values());  // rank 0's initialisation is everyone's
  auto problem = make_problem(spec, *session, std::move(inputs), comm, progress);
  auto optimizer = spec.make_optimizer(Trainer::optimizer_length(session->store, comm));
  Trainer trainer(settings, session->store, *optimizer, spec.make_schedule(), *problem, comm, progress, path);

  std::map<std::string, std::string> provenance_update;
  if (resuming) {
    trainer.restore(RunFile::read_checkpoint(path));
    progress.note("resuming " + path + " from step " + std::to_string(trainer.step()));
    if (!data_changes.empty()) {
      // The data now trained on becomes the run's fingerprint; each accepted change is kept, in order.
      json changes = json::parse(provenance_then.value("data_changed_on_resume", "[]"), nullptr, false);
      if (!changes.is_array()) changes = json::array();
      changes.push_back({{"step", trainer.step()}, {"changes", data_changes}, {"command_line", options.command_line}});
      json recorded;
      record_fingerprint(recorded, fingerprint);
      for (auto it = recorded.begin(); it != recorded.end(); ++it) provenance_update[it.key()] = it->get<std::string>();
      provenance_update["data_changed_on_resume"] = changes.dump();
      for (const auto& change : data_changes) progress.warn("--allow-changed-data: " + change);
    }
  } else {
    problem->initialize();
    const Checkpoint first_checkpoint = trainer.snapshot(0);  // collective: every rank
    comm.write_on_root([&] {
      if (options.resume) progress.note(path + " does not exist yet; starting a new run");
      RunHeader header;
      header.spec = spec.document;
      header.provenance = collect_provenance(comm.size(), options.command_line, to_string(spec.subnormals));
      record_fingerprint(header.provenance, fingerprint);
      header.model = session->description;
      PendingResults first;
      problem->describe(header, first);
      RunFile::create(path, header, first, first_checkpoint);
    });
  }
  comm.barrier();

  // Records an extended training.steps, and changed data accepted on resume.
  const TrainingOutcome outcome = trainer.run(resuming ? spec.document.dump(2) : "", provenance_update);
  progress.finish();

  RunSummary summary;
  summary.path = path;
  summary.steps = outcome.steps;
  summary.interrupted = outcome.interrupted;
  summary.selection = outcome.selection;
  for (const auto& [name, value] : outcome.last_eval)
    if (name.rfind("validation_", 0) == 0) summary.validation_column = name;
  summary.results = outcome.last_eval;
  problem->add_to_summary(summary.results);
  summary.steps_per_second = outcome.steps_per_second;
  summary.seconds = std::chrono::duration<double>(Clock::now() - wall_start).count();
  return summary;
}

}  // namespace tractable
