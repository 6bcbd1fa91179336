// `tractable reproduce NAME`: runs a paper suite's sweeps (experiments/papers/NAME/),
// collects them, and writes the report (python3 -m analysis report): published
// numbers beside ours, a verdict per claim, the CPU time spent. Like sweep, it
// starts neither MPI nor Kokkos; every run is a child `tractable run`.
#include "cli/options.hpp"
#include "sweep/paper_suite.hpp"
#include "core/process.hpp"
#include "sweep/sweep_directory.hpp"
#include "sweep/sweep_spec.hpp"
#include "sweep/sweep_status.hpp"

#include <sys/resource.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace tractable::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

double children_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  auto seconds = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) * 1e-6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return buffer;
}

// reproduction.json: what the report needs to find the suite, its sweeps and the published numbers,
// and the CPU time of every invocation that trained runs here (summed over invocations).
json read_or_start_manifest(const std::string& path, const PaperSuite& suite, const std::string& budget) {
  json manifest;
  if (fs::exists(path)) {
    std::ifstream in(path);
    try {
      manifest = json::parse(in);
    } catch (const json::exception& e) {
      throw IoError(path + ": unreadable reproduction manifest (" + e.what() + "); move it away to start afresh");
    }
    if (manifest.value("suite", "") != suite.name || manifest.value("budget", "") != budget)
      throw IoError(path + ": belongs to suite '" + manifest.value("suite", "?") + "', budget '" +
                    manifest.value("budget", "?") + "'; choose another --dir");
  } else {
    manifest = {{"suite", suite.name}, {"budget", budget}, {"invocations", json::array()}};
  }
  manifest["title"] = suite.title;
  manifest["suite_directory"] = suite.directory;
  manifest["published"] = suite.published_path;
  manifest["budget_note"] = suite.budgets.at(budget).note;
  manifest["binary"] = self_executable();
  return manifest;
}

}  // namespace

int reproduce_command(const Arguments& args) {
  po::options_description options("tractable reproduce");
  std::string name, budget = "small", dir, suites_root = std::string(TRACTABLE_SOURCE_DIR) + "/experiments/papers";
  std::string python = fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  bool local = false, slurm = false, report_only = false, no_report = false, list = false;
  std::size_t jobs = 1;
  // Slurm options, passed on to `tractable sweep --slurm`.
  std::string account, partition, time_limit, qos, constraint, max_concurrent;
  std::vector<std::string> sbatch;
  bool no_submit = false;
  options.add_options()
      ("name", po::value(&name), "the suite: a directory of --suites holding suite.json")
      ("budget", po::value(&budget)->default_value("small"), "a budget of the suite's suite.json: small (minutes here), medium where a suite has one, or paper (the published protocol)")
      ("local", po::bool_switch(&local), "train the runs on this machine (the default)")
      ("jobs,j", po::value(&jobs)->default_value(1), "--local: runs at once")
      ("slurm", po::bool_switch(&slurm), "submit each sweep as a Slurm job array; run again when they finish for the report")
      ("dir", po::value(&dir), "output directory (default: runs/reproduce/<NAME>-<budget>)")
      ("suites", po::value(&suites_root), "directory of the suites (default: the source tree's experiments/papers)")
      ("python", po::value(&python), "the Python with h5py, pandas and matplotlib (default: /usr/bin/python3)")
      ("report-only", po::bool_switch(&report_only), "train nothing: write the report from the runs that exist")
      ("no-report", po::bool_switch(&no_report), "train (or submit) only")
      ("list", po::bool_switch(&list), "list the suites and their budgets")
      ("account", po::value(&account), "--slurm: #SBATCH --account")
      ("partition", po::value(&partition), "--slurm: #SBATCH --partition")
      ("time", po::value(&time_limit), "--slurm: #SBATCH --time per run")
      ("qos", po::value(&qos), "--slurm: #SBATCH --qos")
      ("constraint", po::value(&constraint), "--slurm: #SBATCH --constraint")
      ("max-concurrent", po::value(&max_concurrent), "--slurm: at most this many tasks of an array at once")
      ("sbatch", po::value(&sbatch)->composing(), "--slurm: an extra sbatch option (repeatable)")
      ("no-submit", po::bool_switch(&no_submit), "--slurm: write the scripts, do not submit them");
  po::positional_options_description positional;
  positional.add("name", 1);
  po::variables_map vm;
  if (!parse_options(args, "reproduce",
                     options, positional, vm, true))
    return 0;
  if (list) {
    for (const auto& suite_name : list_paper_suites(suites_root)) {
      const PaperSuite suite = read_paper_suite(suites_root, suite_name);
      std::cout << suite_name << ": " << suite.title << "\n";
      for (const auto& [b, budget_spec] : suite.budgets)
        std::cout << "  --budget " << b << ": " << budget_spec.sweeps.size() << " sweep(s)"
                  << (budget_spec.note.empty() ? "" : "; " + budget_spec.note) << "\n";
    }
    return 0;
  }
  if (name.empty()) throw UsageError("tractable reproduce: name a suite (tractable reproduce --list shows them)");
  if (local && slurm) throw UsageError("tractable reproduce: choose one of --local and --slurm");
  if (report_only && no_report) throw UsageError("tractable reproduce: --report-only and --no-report exclude each other");
  if (jobs < 1) throw UsageError("tractable reproduce: --jobs must be at least 1");
  const PaperSuite suite = read_paper_suite(suites_root, name);
  if (!suite.budgets.count(budget)) {
    std::string known;
    for (const auto& [b, _] : suite.budgets) known += (known.empty() ? "" : ", ") + b;
    throw UsageError("tractable reproduce: suite '" + name + "' has no budget '" + budget + "' (budgets: " + known + ")");
  }
  const std::string out = dir.empty() ? "runs/reproduce/" + name + "-" + budget : dir;
  fs::create_directories(out);
  const std::string manifest_path = out + "/reproduction.json";
  json manifest = read_or_start_manifest(manifest_path, suite, budget);

  // Each sweep into <out>/sweeps/<sweep name>; the sweep machinery skips finished runs and resumes the rest.
  json sweeps = json::array();
  std::vector<std::pair<std::string, std::string>> sweep_dirs;  // (sweep file, directory)
  for (const auto& file : suite.budgets.at(budget).sweeps) {
    const SweepSpec sweep = read_sweep_spec(file);
    const std::string sweep_dir = out + "/sweeps/" + sweep.name;
    sweep_dirs.emplace_back(file, sweep_dir);
    sweeps.push_back({{"name", sweep.name}, {"file", file}, {"directory", "sweeps/" + sweep.name}});
  }
  manifest["sweeps"] = sweeps;
  write_file_atomically(manifest_path, manifest.dump(2) + "\n");

  if (!report_only) {
    const auto started = std::chrono::steady_clock::now();
    const double cpu_before = children_cpu_seconds();
    std::vector<std::string> mode;
    if (slurm) {
      mode = {"--slurm"};
      const std::pair<const char*, const std::string*> values[] = {{"--account", &account}, {"--partition", &partition},
                                                                   {"--time", &time_limit}, {"--qos", &qos},
                                                                   {"--constraint", &constraint},
                                                                   {"--max-concurrent", &max_concurrent}};
      for (const auto& [flag, value] : values)
        if (!value->empty()) mode.insert(mode.end(), {flag, *value});
      for (const auto& s : sbatch) mode.push_back("--sbatch=" + s);
      if (no_submit) mode.push_back("--no-submit");
    } else {
      mode = {"--local", "-j", std::to_string(jobs)};
    }
    // The CPU time is recorded whatever happens next, so an interrupted or failed invocation still counts.
    auto record_invocation = [&] {
      const double cpu = children_cpu_seconds() - cpu_before;
      const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      manifest["invocations"].push_back({{"utc", utc_now()}, {"mode", slurm ? "slurm" : "local -j " + std::to_string(jobs)},
                                         {"cpu_seconds", cpu}, {"wall_seconds", wall}});
      write_file_atomically(manifest_path, manifest.dump(2) + "\n");
      return std::make_pair(cpu, wall);
    };
    for (const auto& [file, sweep_dir] : sweep_dirs) {
      std::cout << "== sweep " << file << " -> " << sweep_dir << std::endl;
      Arguments sweep_args = {file, "--dir", sweep_dir};
      sweep_args.insert(sweep_args.end(), mode.begin(), mode.end());
      const int code = sweep_command(sweep_args);
      if (code != 0) {
        record_invocation();
        std::cerr << "tractable reproduce: the sweep " << file << " ended with exit code " << code
                  << "; run the same command again to resume it" << std::endl;
        return code;
      }
      if (!slurm) collect_command({sweep_dir, "--quiet"});
    }
    const auto [cpu, wall] = record_invocation();
    std::cout << "reproduce: " << (slurm ? "submitted" : "trained") << " in " << wall << " s wall, " << cpu
              << " s CPU here" << std::endl;
  }
  bool all_done = true;
  for (const auto& [file, sweep_dir] : sweep_dirs) {
    const SweepDirectory directory(sweep_dir);
    if (!fs::exists(directory.manifest_path())) {
      all_done = false;
      continue;
    }
    for (const auto& s : sweep_status(directory, slurm)) all_done &= s.state == RunState::done;
  }
  if (no_report) return 0;
  if (!all_done && slurm && !report_only) {
    std::cout << "reproduce: the arrays are queued; when they finish, run the same command again (it submits "
                 "nothing new) or add --report-only, to write the report" << std::endl;
    return 0;
  }
  const std::string repository = fs::path(TRACTABLE_SOURCE_DIR).string();
  const int code = run_in_foreground({python, "-m", "analysis", "report", out}, {"PYTHONPATH=" + repository, "MPLBACKEND=Agg"});
  if (code == 127) throw UsageError("tractable reproduce: cannot start '" + python + "' (see --python)");
  return code;
}

}  // namespace tractable::cli
