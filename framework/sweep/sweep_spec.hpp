#pragma once
// A sweep: one base experiment spec plus axes, expanded deterministically into
// runs. The file (docs/tutorials/sweeps.md):
//
//   { "sweep": "lr-depth",                      name: [A-Za-z0-9][A-Za-z0-9._-]*
//     "base": "../quickstart.json" | {...},     path relative to this file, or inline
//     "set": {"training.steps": 500},           fixed overrides of the base
//     "grid": {"optimizer.lr": [1e-3, 3e-3]},   cartesian product
//     "zip": {"model.hidden": [32, 64], "training.batch_size": [128, 256]},  paired
//     "random": {"count": 8, "seed": 1, "axes": {"optimizer.lr": {"log_uniform": [1e-4, 1e-2]}}},
//     "repeats": 3 | "seeds": [1, 2, 3],        training.seed per repeat
//     "ranks": 1,                               MPI ranks per run
//     "slurm": {...} }                          see SlurmSettings
//
// Runs are the product grid × zip × random × seeds, the last axis varying
// fastest, grid axes in key order. Each run's spec is the base with the fixed
// overrides and the run's axis values applied, validated like `tractable run`
// (defaults filled). Its id is a hash of that resolved spec, so the same run is
// recognised whatever its index: a resubmitted or extended sweep skips what is
// finished and resumes what is not.
#include "core/sbatch.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tractable {

// What goes into the sbatch script. Every value is checked against a strict
// character set when the spec is read (safe_text.hpp), because #SBATCH lines
// end at a newline and whatever follows would be shell code.
struct SlurmSettings : SbatchResources {  // account, partition, time, qos, constraint, extra
  std::int64_t max_concurrent = 0;  // the %MAX of --array (0 = no limit)
  std::int64_t cpus_per_task = 1;
  std::string launcher = "srun";    // ranks > 1: srun --mpi=pmix, or mpirun
  std::int64_t signal_seconds = 120;  // SIGUSR1 this long before the time limit
};

struct SweepSpec {
  std::string name;
  std::string origin;                 // the file it came from
  nlohmann::json base;                // the base run spec, unresolved
  std::string base_origin;            // file name or "<origin>:base"
  std::vector<std::string> fixed;     // "key=value" overrides from "set"
  // One axis = one or more keys whose values move together (a grid axis has one key).
  struct Axis {
    std::vector<std::string> keys;
    std::vector<std::vector<nlohmann::json>> points;  // points[i][k]: the value of keys[k]
  };
  std::vector<Axis> axes;             // grid, then zip, then random, then seeds
  std::int64_t ranks = 1;
  SlurmSettings slurm;
};

struct SweepRun {
  std::size_t index = 0;
  std::string id;                     // run_id(spec)
  nlohmann::json axes;                // {"optimizer.lr": 0.001, ...}: this run's axis values
  nlohmann::json spec;                // resolved
};

// Reads and validates a sweep file; errors name the file and the JSON path.
SweepSpec read_sweep_spec(const std::string& path);
SweepSpec parse_sweep_spec(const nlohmann::json& document, const std::string& origin, const std::string& directory);

// The runs, in index order. Two runs with the same resolved spec are an error.
std::vector<SweepRun> expand_sweep(const SweepSpec& sweep);

// Every key a sweep file may hold, dotted (sweep, base, ..., slurm.account, ...): for the documentation check.
std::vector<std::string> sweep_file_keys();

// The keys every run of the sweep has a value for, in axis order (columns of tables).
std::vector<std::string> axis_keys(const SweepSpec& sweep);

}  // namespace tractable
