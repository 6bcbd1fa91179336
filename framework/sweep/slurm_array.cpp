#include "sweep/slurm_array.hpp"

#include "core/error.hpp"
#include "core/sbatch.hpp"
#include "core/safe_text.hpp"
#include "sweep_array_template.hpp"  // generated from cluster/sweep-array.sbatch

#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace tractable {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

void replace_all(std::string& text, const std::string& placeholder, const std::string& value) {
  for (std::size_t at = 0; (at = text.find(placeholder, at)) != std::string::npos; at += value.size())
    text.replace(at, placeholder.size(), value);
}

}  // namespace

const std::string& default_array_template() {
  static const std::string text = kSweepArrayTemplate;
  return text;
}

std::string render_array_script(const std::string& template_text, const std::string& sweep_name,
                                const SweepDirectory& directory, const std::vector<std::string>& run_ids,
                                const SlurmSettings& slurm, std::int64_t ranks, const std::string& tractable) {
  require(!run_ids.empty(), "render_array_script: no runs");
  check_name(sweep_name, "sweep");
  for (const auto& id : run_ids)
    require(!id.empty() && id.find_first_not_of("0123456789abcdef") == std::string::npos, "run ids are hex");
  std::ostringstream options;
  options << "#SBATCH --job-name=tractable-" << sweep_name << "\n";
  options << "#SBATCH --array=0-" << run_ids.size() - 1;
  if (slurm.max_concurrent > 0) options << "%" << slurm.max_concurrent;
  options << "\n";
  // Relative to the job's working directory, which is the sweep directory (sbatch runs there).
  options << "#SBATCH --output=logs/%A_%a.log\n";
  options << "#SBATCH --open-mode=append\n";
  options << "#SBATCH --ntasks=" << ranks << "\n";
  options << "#SBATCH --cpus-per-task=" << slurm.cpus_per_task << "\n";
  // B: signals the batch shell, which forwards it to the run whatever the launcher (srun or none).
  options << "#SBATCH --signal=B:USR1@" << slurm.signal_seconds << "\n";
  options << "#SBATCH --requeue\n";
  options << sbatch_resource_lines(slurm, "slurm");
  std::string launch;
  if (ranks > 1)
    launch = slurm.launcher == "mpirun" ? "mpirun -n " + std::to_string(ranks)
                                        : "srun --mpi=pmix --ntasks=" + std::to_string(ranks);
  std::string ids;
  for (const auto& id : run_ids) ids += (ids.empty() ? "" : " ") + id;

  std::string script = template_text;
  std::string sbatch_lines = options.str();
  sbatch_lines.pop_back();  // the template's line ends it
  replace_all(script, "{{SBATCH_OPTIONS}}", sbatch_lines);
  replace_all(script, "{{SWEEP_DIR}}", shell_quote(directory.root()));
  replace_all(script, "{{RUN_IDS}}", ids);
  replace_all(script, "{{SWEEP_NAME}}", sweep_name);
  replace_all(script, "{{SIGNAL_SECONDS}}", std::to_string(slurm.signal_seconds));
  replace_all(script, "{{LAUNCH}}", launch);
  replace_all(script, "{{TRACTABLE}}", shell_quote(tractable));
  return script;
}

SlurmSubmission write_and_submit_array(const std::string& script, const SweepDirectory& directory,
                                       const std::vector<std::string>& run_ids, bool submit) {
  SlurmSubmission s;
  s.run_ids = run_ids;
  int n = 1;
  while (fs::exists(directory.slurm_dir() + "/array-" + std::to_string(n) + ".sbatch")) ++n;
  s.script_path = directory.slurm_dir() + "/array-" + std::to_string(n) + ".sbatch";
  write_file_atomically(s.script_path, script);
  chmod(s.script_path.c_str(), 0755);
  if (!submit) return s;

  const std::string id = sbatch_submit(s.script_path, directory.root());
  s.array_job_id = id;

  const std::string record_path = directory.slurm_dir() + "/submissions.json";
  json records = json::array();
  if (fs::exists(record_path)) {
    try {
      std::ifstream in(record_path);
      records = json::parse(in);
    } catch (const json::exception& e) {
      throw IoError(record_path + ": corrupt (job " + id + " was submitted; add it by hand): " + e.what());
    }
  }
  records.push_back({{"array_job_id", id}, {"script", s.script_path}, {"run_ids", run_ids}});
  write_file_atomically(record_path, records.dump(2) + "\n");
  return s;
}

}  // namespace tractable
