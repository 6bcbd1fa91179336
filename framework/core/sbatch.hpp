#pragma once
// What every Slurm job array of Tractable shares (sweeps, paper suites, simulation campaigns): the
// resource lines of its script, its submission, and whether it is still in the queue. Values are checked
// against core/safe_text.hpp's character sets, so nothing from a spec reaches the script's shell.
#include <optional>
#include <string>
#include <vector>

namespace tractable {

struct SbatchResources {
  std::string account, partition, time, qos, constraint;  // empty: not set
  std::vector<std::string> extra;                          // whole options, e.g. "--mem=4G"
};

// "#SBATCH --partition=…\n" lines for the values set, each checked (SpecError naming `where`.key).
std::string sbatch_resource_lines(const SbatchResources& resources, const std::string& where);

// Runs `sbatch --parsable SCRIPT` in `directory` and returns the job id. IoError with sbatch's message.
std::string sbatch_submit(const std::string& script_path, const std::string& directory);

// Whether any task of job (array) `job_id` is still known to the queue (pending, running, completing);
// nullopt when squeue cannot be asked (not installed, no controller).
std::optional<bool> slurm_job_queued(const std::string& job_id);

}  // namespace tractable
