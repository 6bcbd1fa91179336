#include <cmath>
#include "cli/options.hpp"
#include "experiment/data_fingerprint.hpp"
#include "experiment/model_session.hpp"
#include "io/hdf5_file.hpp"
#include "io/run_file.hpp"

#include <cstdio>

namespace tractable::cli {

int info_command(const Arguments& args, const Communicator& comm) {
  po::options_description options("tractable info");
  std::string path;
  options.add_options()("run", po::value(&path)->required(), "run file");
  po::positional_options_description positional;
  positional.add("run", 1);
  po::variables_map vm;
  if (!parse_options(args, "info", options, positional, vm, comm)) return 0;
  if (!comm.is_root()) return 0;
  const RunSpec spec = load_run_spec(path);
  const auto provenance = RunFile::read_provenance(path);
  const auto checkpoint = RunFile::read_checkpoint(path);
  Hdf5File file(path, Hdf5File::Mode::read_only);
  std::printf("run:         %s (%s)\n", path.c_str(), spec.name.c_str());
  const long long n_validation =
      file.has_attribute("/data", "n_validation") ? file.int_attribute("/data", "n_validation") : 0;
  const long long context_dim =
      file.has_attribute("/data", "context_dim") ? file.int_attribute("/data", "context_dim") : 0;
  std::printf("data:        %s, dim %lld%s, %lld train / %lld validation / %lld test\n",
              file.string_attribute("/data", "origin").c_str(), static_cast<long long>(file.int_attribute("/data", "dim")),
              context_dim > 0 ? (" given a context of " + std::to_string(context_dim) + " (p(x | c))").c_str() : "",
              static_cast<long long>(file.int_attribute("/data", "n_train")), n_validation,
              static_cast<long long>(file.int_attribute("/data", "n_test")));
  std::printf("model:       %s\n", spec.model.summary.c_str());
  std::printf("parameters:  %zu in %zu tensors\n", checkpoint.parameters.size(), checkpoint.table.size());
  std::printf("objective:   %s; optimizer %s lr %g; batch %zu\n", spec.objective.c_str(), spec.optimizer_type.c_str(),
              spec.learning_rate, spec.trainer.global_batch);
  std::printf("checkpoint:  step %lld of %lld%s\n", static_cast<long long>(checkpoint.step),
              static_cast<long long>(spec.trainer.steps),
              checkpoint.selection.stopped_early ? " (stopped early)" : "");
  if (checkpoint.selection.best_step >= 0)
    std::printf("best:        step %lld, validation loss %.6g (/checkpoint_best)\n",
                static_cast<long long>(checkpoint.selection.best_step), checkpoint.selection.best_loss);
  // The last rows, as sweeps read them (columns only the final evaluation writes are NaN earlier, left out).
  const RunProgress progress = RunFile::read_progress(path);
  const std::pair<const char*, std::pair<std::int64_t, const std::map<std::string, double>*>> rows[] = {
      {"metrics:", {progress.metrics_step, &progress.last_metrics}}, {"eval:", {progress.eval_step, &progress.final_eval}}};
  for (const auto& [label, row] : rows) {
    if (row.first < 0) continue;
    std::printf("%-12s at step %lld:", label, static_cast<long long>(row.first));
    for (const auto& [name, value] : *row.second) std::printf(" %s=%.6g", name.c_str(), value);
    std::printf("\n");
  }
  // What the run trained on (experiment/data_fingerprint.hpp).
  const DataFingerprint fingerprint = recorded_fingerprint(provenance);
  for (const auto& [file, digest] : fingerprint.files)
    std::printf("data files:  %s sha256 %s\n", file.c_str(), digest.c_str());
  if (!fingerprint.rows.empty()) {
    std::printf("data rows:  ");
    for (const auto& [split, digest] : fingerprint.rows) std::printf(" %s sha256 %s", split.c_str(), digest.c_str());
    std::printf("\n");
  }
  if (provenance.contains("data_changed_on_resume"))
    std::printf("data changed on resume (--allow-changed-data): %s\n",
                provenance.at("data_changed_on_resume").get<std::string>().c_str());
  std::printf("provenance: ");
  for (auto it = provenance.begin(); it != provenance.end(); ++it) {
    if (it.key().rfind("data_", 0) == 0) continue;  // above
    std::printf(" %s=%s", it.key().c_str(), it->is_string() ? it->get<std::string>().c_str() : it->dump().c_str());
  }
  std::printf("\n");
  return 0;
}

}  // namespace tractable::cli
