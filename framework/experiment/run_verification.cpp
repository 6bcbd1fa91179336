#include "experiment/run_verification.hpp"

#include "core/error.hpp"
#include "experiment/model_queries.hpp"
#include "experiment/model_session.hpp"
#include "experiment/run_spec.hpp"
#include "experiment/spec.hpp"
#include "io/hdf5_file.hpp"
#include "io/hdf5_seal.hpp"
#include "io/run_file.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <regex>

namespace tractable {

namespace {

using Kind = RunFinding::Kind;

// The sequence number of a side file named `<kind>-<n>.h5`, or −1.
std::int64_t sequence_of(const std::string& file) {
  static const std::regex pattern(R"(.*-([0-9]+)\.h5$)");
  std::smatch m;
  return std::regex_match(file, m, pattern) ? std::stoll(m[1]) : -1;
}

void check_structure(const std::string& path, std::vector<RunFinding>& out, bool& sealed_index) {
  Hdf5File index(path, Hdf5File::Mode::read_only);
  if (!index.has_attribute("/", "format") || index.string_attribute("/", "format") != "tractable-run") {
    out.push_back({Kind::defect, path + ": not a Tractable run file (no format='tractable-run' attribute on /)"});
    return;
  }
  std::size_t intact = 0;
  for (const auto& f : check_all_seals(index)) {
    if (!f.message.empty())
      out.push_back({Kind::defect, f.message});
    else if (f.unsealed)
      out.push_back({Kind::warning, f.file + ": '" + f.object +
                                        "' has no checksum (written before checksums, or by another program): "
                                        "it cannot be checked"});
    else
      ++intact;
    if (f.object == "/" && f.file == path && !f.unsealed && f.message.empty()) sealed_index = true;
  }
  out.push_back({Kind::ok, path + ": " + std::to_string(intact) + " checksums hold"});
  // Commits: the index names the checkpoint its last commit wrote, and no file of a later one.
  if (!index.has_attribute("/", "commits")) return;  // a run file from before the side files
  const std::int64_t commits = index.int_attribute("/", "commits");
  const std::string checkpoint_file = "checkpoint-" + std::to_string(commits) + ".h5";
  const auto files = index.external_link_files();
  bool names_checkpoint = false;
  for (const auto& file : files) {
    const std::int64_t n = sequence_of(file);
    if (n > commits)
      out.push_back({Kind::defect, path + ": links to " + file + ", a file of commit " + std::to_string(n) +
                                       ", but the index records " + std::to_string(commits) + " commits"});
    names_checkpoint |= std::filesystem::path(file).filename() == checkpoint_file;
  }
  if (!files.empty() && !names_checkpoint && !index.has_attribute("/", "packed_from"))
    out.push_back({Kind::defect, path + ": records " + std::to_string(commits) + " commits, but /checkpoint is not " +
                                     checkpoint_file + " (the checkpoint of the last commit)"});
}

// Loads the checkpoint into the model its spec builds; log p of the stored test rows must be finite.
void check_model(const std::string& path, bool last, std::vector<RunFinding>& out) {
  auto session = load_model_session(path, last);
  const std::string which = session->checkpoint == "best" ? "/checkpoint_best" : "/checkpoint";
  Hdf5File index(path, Hdf5File::Mode::read_only);
  if (!index.exists("/data/test_points")) {
    out.push_back({Kind::ok, path + ":" + which + " (step " + std::to_string(session->checkpoint_step) +
                                 ") loads; the run stores no test rows to evaluate"});
    return;
  }
  std::vector<std::uint64_t> dims;
  const auto values = index.read<double>("/data/test_points", &dims);
  const std::size_t n = std::min<std::size_t>(dims.at(0), 256), width = dims.at(1);
  HostMatrix rows("tractable::verify::rows", n, width);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < width; ++j) rows(i, j) = static_cast<Real>(values[i * width + j]);
  const RowLogProb lp = log_prob_of_rows(*session, rows, /*k=*/1, /*batch=*/256, single_rank());
  double sum = 0;
  for (double v : lp.log_prob) sum += v;
  if (!std::isfinite(sum))
    out.push_back({Kind::defect, path + ":" + which + ": the model's log-density of the run's test rows is not finite"});
  else
    out.push_back({Kind::ok, path + ":" + which + " (step " + std::to_string(session->checkpoint_step) +
                                 ") loads; mean log p of " + std::to_string(n) + " test rows " +
                                 std::to_string(sum / static_cast<double>(n))});
}

}  // namespace

std::vector<RunFinding> verify_run(const std::string& path) {
  std::vector<RunFinding> out;
  if (!RunFile::exists(path)) return {{Kind::defect, path + ": does not exist"}};
  bool sealed_index = false;
  try {
    check_structure(path, out, sealed_index);
  } catch (const Error& e) {
    out.push_back({Kind::defect, e.what()});
  }
  if (std::any_of(out.begin(), out.end(), [](const RunFinding& f) { return f.kind == Kind::defect; }))
    return out;  // the readers below would only fail on the same defect
  try {
    resolve_stored_spec(RunFile::read_spec(path), path + ":/spec");
  } catch (const Error& e) {
    out.push_back({Kind::defect, std::string(e.what()) + " (the stored spec no longer validates)"});
    return out;
  }
  for (const bool last : {true, false}) {
    try {
      if (!last) {
        Checkpoint best;
        if (!RunFile::read_best_checkpoint(path, best)) break;
      }
      check_model(path, last, out);
    } catch (const Error& e) {
      out.push_back({Kind::defect, e.what()});
    }
  }
  return out;
}

std::vector<std::string> run_files_under(const std::string& directory) {
  std::vector<std::string> runs;
  std::error_code ec;
  if (!std::filesystem::is_directory(directory, ec)) throw IoError(directory + ": not a directory");
  std::filesystem::recursive_directory_iterator it(directory, ec), end;
  for (; it != end; it.increment(ec)) {
    if (ec) throw IoError(directory + ": cannot list: " + ec.message());
    const auto& p = it->path();
    if (it->is_directory() && p.extension() == ".d") {  // a run's side files
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file() || p.extension() != ".h5") continue;
    try {
      Hdf5File file(p.string(), Hdf5File::Mode::read_only);
      if (file.has_attribute("/", "format") && file.string_attribute("/", "format") == "tractable-run")
        runs.push_back(p.string());
    } catch (const Error&) {
      runs.push_back(p.string());  // an unreadable .h5 beside the runs: verify names it
    }
  }
  std::sort(runs.begin(), runs.end());
  return runs;
}

}  // namespace tractable
