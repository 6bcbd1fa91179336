#pragma once
// `tractable sweep --slurm`: one sbatch job array per submission, from the
// template cluster/sweep-array.sbatch (compiled in), task i = run_ids[i].
// Array tasks are identified by array job id + task id everywhere (log names,
// attempts, requeue), never by a job id alone.
#include "sweep/sweep_directory.hpp"
#include "sweep/sweep_spec.hpp"

#include <string>
#include <vector>

namespace tractable {

// The template shipped in cluster/sweep-array.sbatch.
const std::string& default_array_template();

// Fills the template. Values were checked when the spec was read; the sweep
// directory and the executable path are single-quoted; run ids are hex.
std::string render_array_script(const std::string& template_text, const std::string& sweep_name,
                                const SweepDirectory& directory, const std::vector<std::string>& run_ids,
                                const SlurmSettings& slurm, std::int64_t ranks, const std::string& tractable);

struct SlurmSubmission {
  std::string script_path;
  std::string array_job_id;  // empty when not submitted
  std::vector<std::string> run_ids;
};

// Writes SWEEP_DIR/slurm/array-<n>.sbatch and, when `submit`, runs sbatch in
// the sweep directory and appends the array job id and its task -> run id map
// to slurm/submissions.json. sbatch failing is an IoError with its message.
SlurmSubmission write_and_submit_array(const std::string& script, const SweepDirectory& directory,
                                       const std::vector<std::string>& run_ids, bool submit);

}  // namespace tractable
