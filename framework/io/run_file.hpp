#pragma once
// The run file: one HDF5 index per run, with its checkpoints and accumulated
// results in files of `<path>.d/` that the index reaches through external
// links, so h5py and every reader see one tree (layout in docs/reference/run-file.md;
// `tractable pack` makes it one file).
//
// Every write is a *commit*: the files it adds are written and fsynced, then
// the index is rebuilt in memory and renamed over `<path>` (atomic), then the
// side files it no longer names are removed. At every instant `<path>` is a
// complete HDF5 file whose checkpoint matches its metrics; a crash at any
// point loses at most the steps since the last commit, never the last good
// checkpoint; and a commit costs what it adds, not what the run holds.
#include "core/parameter_store.hpp"
#include "core/types.hpp"
#include "io/model_description.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tractable {

// Rows of scalars sharing a step axis: /<group>/step and /<group>/<column>.
struct MetricRows {
  std::vector<std::int64_t> step;
  std::map<std::string, std::vector<double>> columns;
  void add(std::int64_t at_step, const std::map<std::string, double>& values);
  bool empty() const { return step.empty(); }
  void clear();
};

struct NamedArray {
  std::string path;                     // e.g. /eval/density_grid
  std::vector<double> values;           // row-major
  std::vector<std::uint64_t> dims;
  std::map<std::string, double> attributes;
};

struct Checkpoint;

struct PendingResults {
  MetricRows metrics;                                    // -> /metrics
  MetricRows eval;                                       // -> /eval
  std::vector<std::pair<std::int64_t, HostMatrix>> samples;  // -> /samples/<step>
  std::vector<NamedArray> arrays;
  std::string spec;  // non-empty: replaces /spec (a resume that extended training.steps)
  // Attributes set on /provenance (a resume that accepted changed data records it here).
  std::map<std::string, std::string> provenance;
  // Set: replaces /checkpoint_best (parameters and buffers of a new lowest validation loss).
  std::shared_ptr<const Checkpoint> best;
  void clear();
};

// Model selection on the validation loss, part of every checkpoint so a
// resumed run selects and stops exactly as an uninterrupted one.
struct ModelSelection {
  double best_loss = std::numeric_limits<double>::infinity();
  std::int64_t best_step = -1;             // −1: no validation evaluation yet
  std::int64_t evaluations_since_best = 0;
  bool stopped_early = false;
};

struct Checkpoint {
  std::int64_t step = 0;  // optimiser steps completed
  std::vector<Real> parameters;
  std::vector<ParameterInfo> table;
  std::vector<Real> buffers;                 // non-trainable state (BatchNorm running statistics)
  std::vector<ParameterInfo> buffer_table;
  std::vector<std::pair<std::string, std::vector<Real>>> optimizer_state;
  std::int64_t optimizer_steps = 0;
  std::int64_t data_epoch = 0;
  std::uint64_t data_cursor = 0;
  std::uint64_t sample_counter = 0;  // the sampling stream's position
  // The open metrics window (steps since the last metrics row), so a resumed
  // run writes the same loss rows as an uninterrupted one.
  double window_loss = 0;
  std::int64_t window_steps = 0;
  std::int64_t skipped_steps = 0;
  double lr_scale = 1;  // product of the rollback factors applied so far
  ModelSelection selection;
};

// What a new run file starts with.
struct RunHeader {
  nlohmann::json spec;        // resolved
  nlohmann::json provenance;  // flat object of strings and numbers
  std::string data_origin;
  std::size_t data_dim = 0, n_train = 0, n_validation = 0, n_test = 0;
  std::size_t context_dim = 0;  // C: a conditional model's rows are [c | x] (0: unconditional)
  HostMatrix data_points;     // test points kept for plots [n, C + D]
  ModelDescription model;     // -> /model
};

// How far a run got, read cheaply (no parameters): for sweep status and summaries.
struct RunProgress {
  std::int64_t step = 0;         // the checkpoint's step
  std::int64_t total_steps = 0;  // training.steps of the stored spec
  bool finished = false;         // checkpoint at total_steps (or stopped early) and the final evaluation written
  bool stopped_early = false;
  std::map<std::string, double> final_eval;    // the last /eval row (NaN columns left out)
  std::map<std::string, double> last_metrics;  // the last /metrics row
  std::int64_t eval_step = -1, metrics_step = -1;  // the steps of those rows (−1: no row yet)
  // /provenance's data fingerprint as JSON text (experiment/data_fingerprint.hpp; empty: none recorded).
  std::string data_files, data_rows;
};

// Copies a checkpoint's parameters and buffers into `store` after checking that
// their name/offset/shape tables match the model the spec builds.
void restore_parameters(ParameterStore& store, const Checkpoint& checkpoint, const std::string& where);

class RunFile {
 public:
  // Starts a new run file at `path` (through the same atomic commit).
  static void create(const std::string& path, const RunHeader& header, const PendingResults& pending,
                     const Checkpoint& checkpoint);
  static void commit(const std::string& path, const PendingResults& pending, const Checkpoint& checkpoint);

  static nlohmann::json read_spec(const std::string& path);
  static nlohmann::json read_provenance(const std::string& path);
  static ModelDescription read_model_description(const std::string& path);
  static Checkpoint read_checkpoint(const std::string& path);
  // /checkpoint_best's parameters, buffers and step (nothing else is set); false when the run has none.
  static bool read_best_checkpoint(const std::string& path, Checkpoint& best);
  static std::size_t read_data_dim(const std::string& path);     // D, the modelled columns
  static std::size_t read_context_dim(const std::string& path);  // C (0: unconditional)
  static RunProgress read_progress(const std::string& path);
  static bool exists(const std::string& path);
  // One self-contained file with everything the run file and its side files hold (external links
  // expanded): to copy, archive or send a run. Written durably; `out` must not be `path`.
  static void pack(const std::string& path, const std::string& out);
};

}  // namespace tractable
