// Fuzzes the sweep path: a sweep file's JSON -> parse (axes, random draws,
// Slurm settings) -> expansion into validated runs -> the job-array script.
// Beyond "no crash", it checks the property that matters for safety: whatever
// the input, the rendered script has exactly the template's lines plus one
// line per #SBATCH option, and every #SBATCH line is one strict option; a value
// that smuggled a newline or shell syntax into the script aborts the fuzzer.
#include "core/error.hpp"
#include "sweep/slurm_array.hpp"
#include "sweep/sweep_spec.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <regex>
#include <sstream>

using namespace tractable;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto document = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object()) return 0;
  // Only inline bases: a path would read files from the fuzzing machine.
  if (!document.contains("base") || !document.at("base").is_object()) return 0;
  try {
    SweepSpec sweep = parse_sweep_spec(document, "fuzz.json", "");
    std::size_t total = 1;
    for (const auto& axis : sweep.axes) total *= std::max<std::size_t>(axis.points.size(), 1);
    if (total > 64) return 0;  // keep each input fast
    const auto runs = expand_sweep(sweep);
    std::vector<std::string> ids;
    for (const auto& run : runs) ids.push_back(run.id);
    const std::int64_t ranks = std::min<std::int64_t>(sweep.ranks, 1024);
    const std::string script = render_array_script(default_array_template(), sweep.name,
                                                    SweepDirectory("/tmp/fuzz sweep '$(x)'"), ids, sweep.slurm,
                                                    ranks, "/opt/tractable");
    static const std::regex option(R"(^#SBATCH --[a-z][a-z0-9-]*(=[A-Za-z0-9_.,:+=@/%&|()\[\]*!-]+)?$)");
    std::size_t sbatch_lines = 0;
    for (const auto& line : lines_of(script))
      if (line.rfind("#SBATCH", 0) == 0) {
        ++sbatch_lines;
        if (!std::regex_match(line, option)) std::abort();
      }
    // job-name, array, output, open-mode, ntasks, cpus-per-task, signal, requeue; then the optional ones.
    const std::size_t expected = 8 + (!sweep.slurm.account.empty()) + (!sweep.slurm.partition.empty()) +
                                 (!sweep.slurm.time.empty()) + (!sweep.slurm.qos.empty()) +
                                 (!sweep.slurm.constraint.empty()) + sweep.slurm.extra.size();
    const std::size_t template_lines = lines_of(default_array_template()).size();
    if (sbatch_lines != expected || lines_of(script).size() != template_lines + expected - 1) std::abort();
  } catch (const Error&) {
    // a documented error with an exit code: what bad input must produce
  }
  return 0;
}
