// tractable sweep | status | collect: these orchestrate runs and read run
// files; they neither start MPI nor Kokkos (the runs they launch do).
#include "cli/options.hpp"
#include "core/whole_file.hpp"
#include "sweep/local_launcher.hpp"
#include "core/process.hpp"
#include "core/safe_text.hpp"
#include "sweep/slurm_array.hpp"
#include "sweep/sweep_directory.hpp"
#include "sweep/sweep_spec.hpp"
#include "sweep/sweep_status.hpp"
#include "sweep/sweep_summary.hpp"

#include <cstdio>
#include <iostream>
#include <map>

namespace tractable::cli {

using nlohmann::json;

namespace {

// A value as a table cell: numbers short, strings bare, anything else as JSON.
std::string cell(const json& v) { return format_cell(v, 6, "-"); }

void print_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  auto line = [&](const std::vector<std::string>& r) {
    std::string text;
    for (std::size_t c = 0; c < r.size(); ++c) text += r[c] + std::string(width[c] - r[c].size() + 2, ' ');
    while (!text.empty() && text.back() == ' ') text.pop_back();
    std::cout << text << "\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
}

std::string default_directory(const SweepSpec& sweep) { return "sweeps/" + sweep.name; }

int report_local(const LocalLaunchResult& r, const SweepDirectory& directory) {
  std::cout << "sweep: " << r.done << " finished now, " << r.finished_before << " before, " << r.preempted
            << " paused, " << r.failed.size() << " failed, " << r.elsewhere
            << " left to another process; status: tractable status " << directory.root() << "\n";
  if (r.interrupted) return static_cast<int>(ExitCode::requeue);
  if (!r.failed.empty()) {
    std::cerr << "tractable sweep: " << r.failed.size() << " run(s) failed:";
    for (const auto& id : r.failed) std::cerr << " " << directory.log_path(id);
    std::cerr << std::endl;
    return static_cast<int>(ExitCode::runs_failed);
  }
  return 0;
}

}  // namespace

int sweep_command(const Arguments& args) {
  po::options_description options("tractable sweep");
  std::string spec_path, dir, template_path;
  bool dry_run = false, local = false, slurm = false, no_submit = false;
  std::size_t jobs = 1;
  std::int64_t ranks = 0;
  std::size_t max_concurrent = 0;  // 0: no limit (a negative value is refused by parse_options)
  std::string account, partition, time_limit, qos, constraint;
  std::vector<std::string> sbatch_extra;
  options.add_options()
      ("spec", po::value(&spec_path)->required(), "sweep spec (JSON)")
      ("dir", po::value(&dir), "sweep directory (default: sweeps/<sweep name>)")
      ("dry-run", po::bool_switch(&dry_run), "print the runs and their state; write nothing")
      ("local", po::bool_switch(&local), "train the runs on this machine")
      ("jobs,j", po::value(&jobs)->default_value(1), "--local: runs at once")
      ("ranks", po::value(&ranks), "MPI ranks per run (overrides the spec's \"ranks\")")
      ("slurm", po::bool_switch(&slurm), "submit the unfinished runs as one Slurm job array")
      ("no-submit", po::bool_switch(&no_submit), "--slurm: write the sbatch script, do not submit it")
      ("template", po::value(&template_path), "--slurm: a site's own array-script template (default cluster/sweep-array.sbatch)")
      ("account", po::value(&account), "--slurm: #SBATCH --account")
      ("partition", po::value(&partition), "--slurm: #SBATCH --partition")
      ("time", po::value(&time_limit), "--slurm: #SBATCH --time per run, e.g. 02:00:00")
      ("qos", po::value(&qos), "--slurm: #SBATCH --qos")
      ("constraint", po::value(&constraint), "--slurm: #SBATCH --constraint")
      ("max-concurrent", po::value(&max_concurrent), "--slurm: at most this many tasks at once (--array=...%N; 0: no limit)")
      ("sbatch", po::value(&sbatch_extra)->composing(), "--slurm: an extra sbatch option, e.g. --sbatch=--mem=4G (repeatable)");
  po::positional_options_description positional;
  positional.add("spec", 1);
  po::variables_map vm;
  if (!parse_options(args, "sweep",
                     options, positional, vm, true))
    return 0;
  if (int(dry_run) + int(local) + int(slurm) != 1)
    throw UsageError("tractable sweep: choose exactly one of --dry-run, --local and --slurm");
  if (jobs < 1) throw UsageError("tractable sweep: --jobs must be at least 1");

  SweepSpec sweep = read_sweep_spec(spec_path);
  if (vm.count("ranks")) {
    if (ranks < 1) throw UsageError("tractable sweep: --ranks must be at least 1");
    sweep.ranks = ranks;
  }
  // Command-line Slurm settings override the spec's; checked like the spec's.
  const std::pair<const std::string*, std::pair<std::string*, SbatchValue>> cli_slurm[] = {
      {&account, {&sweep.slurm.account, SbatchValue::word}},      {&partition, {&sweep.slurm.partition, SbatchValue::word}},
      {&time_limit, {&sweep.slurm.time, SbatchValue::time}},      {&qos, {&sweep.slurm.qos, SbatchValue::word}},
      {&constraint, {&sweep.slurm.constraint, SbatchValue::constraint}}};
  try {
    for (const auto& [given, target] : cli_slurm)
      if (!given->empty()) {
        check_sbatch_value(*given, target.second, "command line");
        *target.first = *given;
      }
    for (const auto& extra : sbatch_extra) {
      check_sbatch_value(extra, SbatchValue::option, "--sbatch");
      sweep.slurm.extra.push_back(extra);
    }
  } catch (const SpecError& e) {
    throw UsageError(std::string("tractable sweep: ") + e.what());
  }
  if (vm.count("max-concurrent")) sweep.slurm.max_concurrent = std::int64_t(max_concurrent);

  const auto runs = expand_sweep(sweep);
  const SweepDirectory directory(dir.empty() ? default_directory(sweep) : dir);

  if (dry_run) {
    const auto keys = axis_keys(sweep);
    std::vector<std::string> header = {"index", "id", "state"};
    header.insert(header.end(), keys.begin(), keys.end());
    std::vector<std::vector<std::string>> rows;
    for (const auto& run : runs) {
      std::string state = "new";
      if (RunFile::exists(directory.run_path(run.id)))
        state = run_is_finished(directory, run.id) ? "finished" : "resumes";
      std::vector<std::string> row = {std::to_string(run.index), run.id, state};
      for (const auto& key : keys) row.push_back(cell(run.axes.at(key)));
      rows.push_back(row);
    }
    print_table(header, rows);
    std::cout << "sweep '" << sweep.name << "': " << runs.size() << " run(s) of " << sweep.ranks
              << " rank(s) each, directory " << directory.root() << " (nothing written)\n";
    return 0;
  }

  directory.prepare(sweep, runs);
  if (local) {
    LocalLaunchOptions launch;
    launch.jobs = jobs;
    launch.ranks = sweep.ranks;
    return report_local(run_sweep_locally(directory, runs, launch, std::cout), directory);
  }

  // --slurm: every run not finished, not queued by an earlier submission and not being trained here.
  const auto queued = query_slurm_queue(directory);
  std::vector<std::string> ids;
  std::size_t finished = 0, in_queue = 0;
  for (const auto& run : runs) {
    if (run_is_finished(directory, run.id)) ++finished;
    else if (queued.count(run.id) || local_attempt_alive(directory, run.id)) ++in_queue;
    else ids.push_back(run.id);
  }
  std::cout << "sweep '" << sweep.name << "': " << runs.size() << " runs, " << finished << " finished, " << in_queue
            << " already queued or running, " << ids.size() << " to submit\n";
  if (ids.empty()) return 0;
  std::string template_text = default_array_template();
  if (!template_path.empty()) {
    if (!read_whole_file(template_path, template_text)) throw UsageError("--template " + template_path + ": cannot read");
  }
  const std::string script = render_array_script(template_text, sweep.name, directory, ids, sweep.slurm, sweep.ranks,
                                                 self_executable());
  const SlurmSubmission s = write_and_submit_array(script, directory, ids, !no_submit);
  if (no_submit) {
    std::cout << "wrote " << s.script_path << " (not submitted; submit it from " << directory.root()
              << " with: sbatch " << s.script_path << ")\n";
  } else {
    std::cout << "submitted array job " << s.array_job_id << " (" << ids.size() << " tasks) from " << s.script_path
              << "\nlogs: " << directory.root() << "/logs/" << s.array_job_id << "_<task>.log; status: tractable status "
              << directory.root() << "\n";
  }
  return 0;
}

int status_command(const Arguments& args) {
  po::options_description options("tractable status");
  std::string dir;
  bool no_slurm = false;
  options.add_options()
      ("dir", po::value(&dir)->required(), "sweep directory")
      ("no-slurm", po::bool_switch(&no_slurm), "do not ask squeue (files only)");
  po::positional_options_description positional;
  positional.add("dir", 1);
  po::variables_map vm;
  if (!parse_options(args, "status", options, positional, vm, true)) return 0;
  const SweepDirectory directory(dir);
  const json manifest = directory.read_manifest();
  const auto statuses = sweep_status(directory, !no_slurm);
  const auto keys = manifest.at("axes").get<std::vector<std::string>>();
  std::vector<std::string> header = {"index", "id", "state", "step"};
  header.insert(header.end(), keys.begin(), keys.end());
  header.push_back("detail");
  std::vector<std::vector<std::string>> rows;
  std::map<std::string, int> counts;
  for (const auto& s : statuses) {
    ++counts[to_string(s.state)];
    std::vector<std::string> row = {std::to_string(s.index), s.id, to_string(s.state),
                                    s.progress ? std::to_string(s.progress->step) + "/" + std::to_string(s.progress->total_steps) : "-"};
    for (const auto& key : keys) row.push_back(cell(s.axes.contains(key) ? s.axes.at(key) : json()));
    row.push_back(s.detail);
    rows.push_back(row);
  }
  print_table(header, rows);
  std::cout << "sweep '" << manifest.at("sweep").get<std::string>() << "': " << statuses.size() << " runs:";
  for (const char* state : {"done", "running", "pending", "preempted", "failed"})
    std::cout << " " << counts[state] << " " << state;
  std::cout << "\n";
  return 0;
}

int collect_command(const Arguments& args) {
  po::options_description options("tractable collect");
  std::string dir;
  bool quiet = false;
  options.add_options()
      ("dir", po::value(&dir)->required(), "sweep directory")
      ("quiet,q", po::bool_switch(&quiet), "do not print the table");
  po::positional_options_description positional;
  positional.add("dir", 1);
  po::variables_map vm;
  if (!parse_options(args, "collect", options, positional, vm, true)) return 0;
  const SweepDirectory directory(dir);
  const json manifest = directory.read_manifest();
  const SummaryTable table = summarise_sweep(manifest, sweep_status(directory));
  write_summary_csv(table, directory.root() + "/summary.csv");
  write_summary_hdf5(table, directory.root() + "/summary.h5");
  if (!quiet) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : table.rows) {
      std::vector<std::string> row;
      for (const auto& v : r) row.push_back(cell(v));
      rows.push_back(row);
    }
    print_table(table.columns, rows);
  }
  std::cout << "wrote " << directory.root() << "/summary.csv and summary.h5 (" << table.rows.size() << " runs)\n";
  return 0;
}

}  // namespace tractable::cli
