#pragma once
// Everything a sweep writes, under one directory (docs/tutorials/sweeps.md):
//
//   SWEEP_DIR/sweep.json          manifest: name, axis keys, ranks, runs (index, id, axis values)
//   SWEEP_DIR/specs/<id>.json     each run's resolved spec
//   SWEEP_DIR/runs/<id>.h5        each run's run file
//   SWEEP_DIR/logs/<id>.log       --local: the run's output (all attempts)
//   SWEEP_DIR/logs/<job>_<task>.log  --slurm: one log per array task (all attempts)
//   SWEEP_DIR/attempts/<id>       one line per finished attempt: "<exit code> <where> <UTC time>"
//   SWEEP_DIR/attempts/<id>.running  while an attempt runs: "<where> <host> <pid>"
//   SWEEP_DIR/slurm/array-<n>.sbatch, slurm/submissions.json   --slurm: scripts and job ids
//   SWEEP_DIR/summary.{csv,h5}    `tractable collect`
//
// Run ids are hex digits, so no path is built from a spec's text.
#include "sweep/sweep_spec.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace tractable {

struct Attempt {
  int exit_code = 0;
  std::string where;  // local:<pid> or slurm:<array job>_<task>
  std::string time;
};

class SweepDirectory {
 public:
  explicit SweepDirectory(std::string root);  // made absolute
  const std::string& root() const { return root_; }

  std::string manifest_path() const { return root_ + "/sweep.json"; }
  std::string spec_path(const std::string& id) const { return root_ + "/specs/" + id + ".json"; }
  std::string run_path(const std::string& id) const { return root_ + "/runs/" + id + ".h5"; }
  std::string log_path(const std::string& id) const { return root_ + "/logs/" + id + ".log"; }
  std::string attempts_path(const std::string& id) const { return root_ + "/attempts/" + id; }
  std::string running_path(const std::string& id) const { return root_ + "/attempts/" + id + ".running"; }
  std::string slurm_dir() const { return root_ + "/slurm"; }

  // Creates the directories and writes the manifest and each run's spec.
  // A spec file that exists must hold the same spec (ids are hashes, so a
  // difference means the file was edited by hand): that is an IoError.
  void prepare(const SweepSpec& sweep, const std::vector<SweepRun>& runs) const;

  // The manifest of a prepared sweep; IoError naming the file if missing or corrupt.
  nlohmann::json read_manifest() const;

  void record_attempt(const std::string& id, int exit_code, const std::string& where) const;
  std::vector<Attempt> attempts(const std::string& id) const;

 private:
  std::string root_;
};

// Writes `text` to `path` through a temporary file and rename(2).
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace tractable
