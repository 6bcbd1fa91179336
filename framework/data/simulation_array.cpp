#include "data/simulation_array.hpp"

#include "core/durable_file.hpp"
#include "core/error.hpp"
#include "core/process.hpp"
#include "core/safe_text.hpp"
#include "io/hdf5_file.hpp"
#include "io/run_lock.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>

namespace tractable {

namespace fs = std::filesystem;
using nlohmann::json;

std::string simulation_array_directory(const std::string& cache) { return cache + ".slurm"; }

namespace {

constexpr std::size_t kMaxArrayTasks = 1000;  // Slurm's default MaxArraySize is 1001: larger campaigns take several arrays

std::string batch_name(SimulationBlock block, std::size_t first) {
  return std::string(simulation_block_name(block)) + "-" + std::to_string(first);
}

// "training-4000" -> 4000; anything else (a path, another block) is refused before it names a file.
std::size_t batch_first_row(const std::string& name) {
  const auto dash = name.rfind('-');
  const bool digits = dash != std::string::npos && dash + 1 < name.size() && dash + 21 > name.size() &&
                      name.find_first_not_of("0123456789", dash + 1) == std::string::npos;
  const std::string block = digits ? name.substr(0, dash) : "";
  if (block != "training" && block != "test" && block != "observations")
    throw UsageError("'" + name + "' is not a batch name (BLOCK-FIRST_ROW: training-0, test-1000, ...)");
  return std::stoull(name.substr(dash + 1));
}

json read_campaign(const std::string& dir) {
  const std::string path = dir + "/campaign.json";
  std::ifstream in(path);
  if (!in) throw DataError(path + ": cannot read");
  try {
    json campaign = json::parse(in);
    for (const char* key : {"identity", "command", "format", "parameter_dim", "observation_dim", "submissions"})
      if (!campaign.contains(key)) throw DataError(path + ": no \"" + std::string(key) + "\" (not a simulation campaign)");
    return campaign;
  } catch (const json::exception& e) {
    throw DataError(path + ": not JSON (" + std::string(e.what()) + ")");
  }
}

void write_campaign(const std::string& dir, const json& campaign) {
  replace_file_durably(dir + "/campaign.json", campaign.dump(2) + "\n");
}

// The executable an array task runs: this one when it is the CLI; from Python (the module's process is
// python) $TRACTABLE_EXECUTABLE, else `tractable` as the job's PATH finds it.
std::string tractable_executable() {
  const std::string self = self_executable();
  if (fs::path(self).filename().string().rfind("tractable", 0) == 0) return self;
  const char* given = std::getenv("TRACTABLE_EXECUTABLE");
  return given && *given ? given : "tractable";
}

std::size_t rows_of(const std::string& path, const char* dataset, std::size_t D) {
  std::vector<std::uint64_t> dims;
  const auto values = Hdf5File(path, Hdf5File::Mode::read_only).read<double>(dataset, &dims);
  if (dims.size() != 2 || dims[1] != D) throw DataError(path + ":" + dataset + ": not [rows, " + std::to_string(D) + "]");
  return dims[0];
}

// Appends a finished batch's rows to the cache after checking they are the rows the prior draws there.
void take_result(const ExternalSimulatorSettings& s, std::uint64_t seed, SimulationBlock block, std::size_t first,
                 const std::string& path, CachedSimulations& c) {
  const std::size_t D = s.prior.dim(), C = s.observation_dim;
  std::vector<std::uint64_t> dims;
  Hdf5File f(path, Hdf5File::Mode::read_only);
  const std::vector<double> theta = f.read<double>("/parameters", &dims);
  if (dims.size() != 2 || dims[1] != D) throw DataError(path + ":/parameters: not [rows, " + std::to_string(D) + "]");
  const std::size_t b = dims[0];
  const std::vector<double> x = f.read<double>("/observations", &dims);
  if (dims.size() != 2 || dims[0] != b || dims[1] != C)
    throw DataError(path + ":/observations: not [" + std::to_string(b) + ", " + std::to_string(C) + "]");
  const std::vector<double> status = f.read<double>("/status");
  if (status.size() != b) throw DataError(path + ":/status: not " + std::to_string(b) + " values");
  std::vector<double> expected(b * D);
  draw_prior_rows(s.prior, seed, block, first, b, expected.data());
  for (std::size_t k = 0; k < b * D; ++k)
    if (theta[k] != expected[k])
      throw DataError(path + ": row " + std::to_string(first + k / D) +
                      " holds other parameters than the prior draws there (a foreign or damaged result)");
  for (std::size_t i = 0; i < b; ++i)
    if (status[i] != 0 && status[i] != 1 && status[i] != 2)
      throw DataError(path + ":/status[" + std::to_string(i) + "]: " + std::to_string(status[i]) + " is not a status");
  c.theta.insert(c.theta.end(), theta.begin(), theta.end());
  c.x.insert(c.x.end(), x.begin(), x.end());
  c.status.insert(c.status.end(), status.begin(), status.end());
  if (c.first_failure.empty())
    for (std::size_t i = 0; i < b && c.first_failure.empty(); ++i)
      if (status[i] != double(static_cast<int>(SimulationStatus::ok)))
        c.first_failure = f.exists("/failure") ? f.read_string("/failure") : not_finite_message(s, first + i);
}

std::string render_script(const std::string& dir, const SimulationArraySettings& slurm,
                          const std::vector<std::string>& names, const std::string& cache) {
  std::string script = "#!/bin/bash\n";
  script += "# Simulations for the cache " + cache + " (data.slurm): task i runs batch i of the list below\n";
  script += "# with `tractable simulate-batch`. Written by the run that needed them; run it again once this\n";
  script += "# array has finished, and it moves the results into the cache and trains.\n";
  script += "#SBATCH --job-name=tractable-simulations\n";
  script += "#SBATCH --array=0-" + std::to_string(names.size() - 1) +
            (slurm.max_concurrent > 0 ? "%" + std::to_string(slurm.max_concurrent) : "") + "\n";
  script += "#SBATCH --output=logs/%A_%a.log\n#SBATCH --ntasks=1\n";
  script += sbatch_resource_lines(slurm, "data.slurm");
  // The command's relative paths mean what they meant to the run that wrote this script.
  script += "set -u\ncd " + shell_quote(fs::current_path().string()) + " || exit 1\nbatches=(";
  for (std::size_t i = 0; i < names.size(); ++i) script += (i ? " " : "") + names[i];
  script += ")\nexec " + shell_quote(tractable_executable()) + " simulate-batch " + shell_quote(fs::absolute(dir).string()) +
            " \"${batches[$SLURM_ARRAY_TASK_ID]}\"\n";
  return script;
}

}  // namespace

std::string gather_or_submit_simulations(const ExternalSimulatorSettings& s, const SimulationArraySettings& slurm,
                                         const std::vector<std::pair<SimulationBlock, std::size_t>>& blocks,
                                         std::uint64_t seed) {
  if (s.function) throw UsageError("data.slurm: a Python function cannot run as a Slurm array; give data.command");
  const std::string dir = fs::absolute(simulation_array_directory(s.cache)).string();
  // One run gathers a campaign at a time (CACHE.slurm.lock, as a run file's lock): two at once would submit the
  // same missing batches twice. A second is refused naming the first (IoError, exit 5); it is over in seconds.
  std::vector<std::string> lock_notes;
  const RunLock lock(dir, false, [&](const std::string& line) { lock_notes.push_back(line); });
  const std::string identity = simulation_cache_identity(s, seed);
  const std::size_t D = s.prior.dim(), C = s.observation_dim;
  json campaign;
  if (fs::exists(dir + "/campaign.json")) {
    campaign = read_campaign(dir);
    if (campaign.at("identity") != identity)
      throw DataError(dir + ": a simulation campaign for other settings than this run's (its campaign.json "
                            "records them); remove it, or choose another data.cache");
  } else {
    campaign = {{"identity", identity}, {"command", s.command},        {"format", s.format},
                {"parameter_dim", D},   {"observation_dim", C}, {"submissions", json::array()}};
  }
  for (const char* sub : {"/batches", "/results", "/logs"}) fs::create_directories(dir + sub);

  std::vector<std::string> pending, fresh, waiting_results;  // batches: submitted and unfinished; new; finished
  std::size_t missing = 0, total = 0;                       // but behind an unfinished one
  for (const auto& [block, n] : blocks) {
    total += n;
    CachedSimulations c = read_simulation_cache(s, seed, block);
    std::set<std::size_t> written;  // first rows of this block's batch files
    const std::string prefix = std::string(simulation_block_name(block)) + "-";
    for (const auto& entry : fs::directory_iterator(dir + "/batches")) {
      const std::string stem = entry.path().stem().string();
      if (entry.path().extension() == ".h5" && stem.rfind(prefix, 0) == 0) written.insert(batch_first_row(stem));
    }
    bool grew = false, blocked = false;  // blocked: rows are in order, nothing after an unfinished batch is taken
    std::size_t next = c.rows();
    while (next < n) {
      const std::string name = batch_name(block, next);
      const std::string result = dir + "/results/" + name + ".h5", input = dir + "/batches/" + name + ".h5";
      if (fs::exists(result) && !blocked) {
        take_result(s, seed, block, next, result, c);
        next = c.rows();
        grew = true;
      } else if (fs::exists(input)) {
        const std::size_t b = rows_of(input, "/parameters", D);
        (fs::exists(result) ? waiting_results : pending).push_back(name);
        missing += std::min(b, n - next);
        blocked = true;
        next += b;
      } else {  // rows no batch holds: new batches up to the next written one
        const auto after = written.upper_bound(next);
        const std::size_t end = std::min(n, after == written.end() ? n : *after);
        for (; next < end;) {
          const std::size_t b = std::min(s.batch, end - next);
          std::vector<double> theta(b * D);
          draw_prior_rows(s.prior, seed, block, next, b, theta.data());
          write_hdf5_durably(dir + "/batches/" + batch_name(block, next) + ".h5",
                             [&](Hdf5File& f) { f.write<double>("/parameters", theta, {b, D}); });
          fresh.push_back(batch_name(block, next));
          missing += b;
          blocked = true;
          next += b;
        }
      }
    }
    if (grew) write_simulation_cache(s, seed, block, c);
  }
  if (missing == 0) return "";

  // Submitted batches whose array has left the queue without their result are lost: submit them again.
  std::map<std::string, std::optional<bool>> queued;  // array job id -> still queued (nullopt: squeue unanswered)
  std::vector<std::string> lost, still, by_hand;
  std::set<std::string> still_jobs;
  bool squeue_unanswered = false;
  for (const auto& name : pending) {
    std::string job;
    for (const auto& submission : campaign["submissions"])  // the latest submission of the batch
      for (const auto& b : submission["batches"])
        if (b == name) job = submission["array_job_id"];
    if (job.empty()) {  // never submitted (written by hand's choice, or sbatch failed): submit now, if asked to
      (slurm.submit ? fresh : by_hand).push_back(name);
      continue;
    }
    if (!queued.count(job)) queued[job] = slurm_job_queued(job);
    if (queued[job].value_or(true) || fs::exists(dir + "/results/" + name + ".h5")) {  // finished meanwhile: next time
      still.push_back(name);
      still_jobs.insert(job);
      squeue_unanswered = squeue_unanswered || !queued[job].has_value();
    } else {
      lost.push_back(name);
    }
  }
  std::vector<std::string> to_submit = fresh;
  to_submit.insert(to_submit.end(), lost.begin(), lost.end());

  const std::string cache = s.cache;
  std::string message;
  for (const auto& note : lock_notes) message += "note: " + note + "\n";
  message += "data.cache " + cache + ": " + std::to_string(missing) + " of " + std::to_string(total) +
                        " simulations are not in it yet; they are simulated by a Slurm job array (data.slurm).";
  for (std::size_t from = 0; from < to_submit.size(); from += kMaxArrayTasks) {
    const std::vector<std::string> names(to_submit.begin() + from,
                                         to_submit.begin() + std::min(to_submit.size(), from + kMaxArrayTasks));
    const std::string script = dir + "/array-" + std::to_string(campaign["submissions"].size() + 1) + ".sbatch";
    replace_file_durably(script, render_script(dir, slurm, names, cache));
    fs::permissions(script, fs::perms::owner_exec, fs::perm_options::add);
    std::string job;
    if (slurm.submit) job = sbatch_submit(script, dir);
    campaign["submissions"].push_back({{"script", script}, {"array_job_id", job}, {"batches", names}});
    write_campaign(dir, campaign);  // after each submission: its job id is never lost
    const std::string what = std::to_string(names.size()) + " batch" + (names.size() == 1 ? "" : "es");
    if (slurm.submit) {
      message += "\n  submitted " + what + " as array job " + job + " (" + script + "; logs in " + dir + "/logs)";
    } else {
      message += "\n  wrote " + script + " for " + what;
      by_hand.insert(by_hand.end(), names.begin(), names.end());
    }
  }
  write_campaign(dir, campaign);
  if (!lost.empty())
    message += "\n  " + std::to_string(lost.size()) + " of them had been submitted before, and their array left the "
               "queue without a result (a time limit, a lost node): submitted again";
  if (!still.empty()) {
    std::string jobs;
    for (const auto& j : still_jobs) jobs += (jobs.empty() ? "" : ",") + j;
    message += "\n  " + std::to_string(still.size()) + " batches are still with array job(s) " + jobs + " (squeue -j " +
               jobs + ")" + (squeue_unanswered ? "; squeue did not answer, so they are taken to be running" : "");
  }
  if (!by_hand.empty())
    message += "\n  " + std::to_string(by_hand.size()) + " batches are not submitted (data.slurm.submit is false): "
               "submit the script with sbatch, or run each task as `tractable simulate-batch " + dir + " NAME` (" +
               by_hand.front() + (by_hand.size() > 1 ? ", ..." : "") + ")";
  if (!waiting_results.empty())
    message += "\n  " + std::to_string(waiting_results.size()) + " finished batches wait for earlier rows";
  message += "\nRun this command again when they have finished: it moves their results into the cache and goes on.";
  return message;
}

void run_simulation_array_task(const std::string& dir, const std::string& name) {
  const std::size_t first = batch_first_row(name);
  const json campaign = read_campaign(dir);
  ExternalSimulatorSettings s;
  try {
    s.command = campaign.at("command").get<std::vector<std::string>>();
    s.format = campaign.at("format").get<std::string>();
    s.observation_dim = campaign.at("observation_dim").get<std::size_t>();
    const std::size_t D = campaign.at("parameter_dim").get<std::size_t>();
    s.prior.first.assign(D, 0.0);  // only its width matters here: the batch holds the drawn rows
    s.prior.second.assign(D, 1.0);
  } catch (const json::exception& e) {
    throw DataError(dir + "/campaign.json: " + e.what());
  }
  const std::string input = dir + "/batches/" + name + ".h5";
  if (!fs::exists(input)) throw DataError(input + ": no such batch in the campaign");
  std::vector<std::uint64_t> dims;
  const std::vector<double> theta = Hdf5File(input, Hdf5File::Mode::read_only).read<double>("/parameters", &dims);
  if (dims.size() != 2 || dims[1] != s.prior.dim())
    throw DataError(input + ":/parameters: not [rows, " + std::to_string(s.prior.dim()) + "]");
  const std::size_t b = dims[0], C = s.observation_dim;
  const SimulationBatch r = simulate_batch(s, theta, b, first);
  const std::vector<double> status = r.statuses(C);
  write_hdf5_durably(dir + "/results/" + name + ".h5", [&](Hdf5File& f) {
    f.write<double>("/parameters", theta, {b, s.prior.dim()});
    f.write<double>("/observations", r.x, {b, C});
    f.write<double>("/status", status, {b});
    if (!r.failure.empty()) f.write_string("/failure", r.failure);
  });
}

}  // namespace tractable
