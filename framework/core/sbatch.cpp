#include "core/sbatch.hpp"

#include "core/error.hpp"
#include "core/process.hpp"
#include "core/safe_text.hpp"

namespace tractable {

std::string sbatch_resource_lines(const SbatchResources& r, const std::string& where) {
  std::string lines;
  const std::pair<const char*, const std::string*> named[] = {
      {"account", &r.account}, {"partition", &r.partition}, {"time", &r.time}, {"qos", &r.qos}, {"constraint", &r.constraint}};
  for (const auto& [option, value] : named) {
    if (value->empty()) continue;
    const std::string name = option;
    check_sbatch_value(*value, name == "time" ? SbatchValue::time : name == "constraint" ? SbatchValue::constraint
                                                                                          : SbatchValue::word,
                       where + "." + name);
    lines += "#SBATCH --" + name + "=" + *value + "\n";
  }
  for (const auto& extra : r.extra) {
    check_sbatch_value(extra, SbatchValue::option, where + ".extra");
    lines += "#SBATCH " + extra + "\n";
  }
  return lines;
}

std::string sbatch_submit(const std::string& script_path, const std::string& directory) {
  const CommandOutput out = run_captured({"sbatch", "--parsable", script_path}, directory);
  if (out.exit_code != 0)
    throw IoError("sbatch " + script_path + " failed (exit " + std::to_string(out.exit_code) + "): " + out.err + out.out);
  std::string id = out.out.substr(0, out.out.find_first_of(";\n"));  // --parsable: "<job id>[;<cluster>]"
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
    throw IoError("sbatch " + script_path + ": unexpected output '" + out.out + "'");
  return id;
}

std::optional<bool> slurm_job_queued(const std::string& job_id) {
  // -r: one line per array task; a finished array is no longer listed (or squeue says the id is invalid).
  const CommandOutput out = run_captured({"squeue", "-h", "-r", "-j", job_id, "-o", "%i"});
  if (out.exit_code == 127) return std::nullopt;
  if (out.exit_code != 0) {
    if (out.err.find("Invalid job id") != std::string::npos) return false;
    return std::nullopt;
  }
  return out.out.find_first_not_of(" \t\r\n") != std::string::npos;
}

}  // namespace tractable
