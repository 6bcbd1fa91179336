#pragma once
// `tractable collect`: one row per run of a sweep, with every axis value and
// the final metrics, written as SWEEP_DIR/summary.csv and SWEEP_DIR/summary.h5.
//
// Columns: index, id, state, step, total_steps, one per axis key (e.g.
// optimizer.lr), then eval.<name> for the last /eval row of the run file
// (test_nll, kl, ...) and metrics.loss / metrics.wall_time from the last
// /metrics row, then data.files_sha256 and data.rows_sha256 (the run's data
// fingerprint from /provenance, JSON text). Runs without a value leave the
// cell empty (CSV) or NaN (HDF5).
#include "sweep/sweep_status.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace tractable {

struct SummaryTable {
  std::vector<std::string> columns;
  std::vector<std::vector<nlohmann::json>> rows;  // numbers, strings or null
};

// A value as text: strings bare, floats with `digits` significant digits, other JSON as JSON, null as `missing`.
std::string format_cell(const nlohmann::json& value, int digits, const std::string& missing);

SummaryTable summarise_sweep(const nlohmann::json& manifest, const std::vector<RunStatus>& statuses);

// RFC 4180 CSV: fields with commas, quotes or newlines are quoted; non-scalar axis values as JSON.
void write_summary_csv(const SummaryTable& table, const std::string& path);
// /summary/<column>: float64 [N] for numeric columns (NaN = missing), strings otherwise;
// /summary/columns lists the column order. Written to a temporary file and renamed.
void write_summary_hdf5(const SummaryTable& table, const std::string& path);

}  // namespace tractable
