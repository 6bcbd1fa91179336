#pragma once
// The experiment spec after the parser. resolve_spec validates a spec file
// (defaults filled, ranges checked, the rules between families held:
// spec/compatibility.hpp) and reads every section once, by its registration,
// into typed settings and the builders that hold them. The JSON document is
// kept only to be stored in the run file, fingerprinted and printed; nothing
// downstream reads it.
#include "core/subnormals.hpp"
#include "data/dataset.hpp"
#include "registry/data_source_types.hpp"
#include "registry/model_types.hpp"
#include "registry/objective_types.hpp"
#include "registry/optimizer_types.hpp"
#include "registry/target_types.hpp"
#include "training/trainer.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tractable {

struct OutputSettings {
  std::string path;               // output.path ("": runs/<name>.h5)
  std::size_t n_samples = 2000;   // stored at each evaluation and at the end
  std::size_t density_grid = 128; // 2-D data: log-density grid resolution (0: off)
  std::size_t n_data_points = 5000;
};

// What a run fits: data from a registered source, or an unnormalised target (exactly one).
struct DataSpec {
  DataSourceRegistry::Registration::Builder load;
  nlohmann::json section;  // the resolved data section: its sha256 is the run's data definition
  std::string simulator;   // data.simulator when data.source is "simulator" (what `diagnose` draws (θ, x) from)
};
struct TargetSpec {
  TargetRegistry::Registration::Builder build;
  std::string name;        // objective.target.type, as the run file records it
};

struct RunSpec {
  nlohmann::json document;  // the resolved spec: stored in /spec, printed by `validate`
  std::string name;
  ModelRecipe model;
  std::optional<DataSpec> data;
  std::optional<TargetSpec> target;
  std::string objective;    // objective.type
  ObjectiveRegistry::Registration::Builder problem;
  std::optional<std::size_t> eval_importance_samples;  // objectives that estimate log p(x) by importance sampling
  std::string optimizer_type;  // optimizer.type
  OptimizerRegistry::Registration::Builder optimizer;
  ScheduleRegistry::Registration::Builder schedule;
  double learning_rate = 1e-3;  // optimizer.lr
  TrainerSettings trainer;      // training.* and optimizer.clip_grad_norm: the one owner of the batch size
  std::uint64_t seed = 0;       // training.seed
  std::size_t eval_batch = 4096;
  SubnormalMode subnormals = SubnormalMode::flush;
  OutputSettings output;
  // The capabilities the selected types provide and need (spec/compatibility.hpp), as they hold for this spec.
  std::set<std::string> provided, needed;

  bool provides(const std::string& capability) const { return provided.count(capability) > 0; }
  bool needs(const std::string& capability) const { return needed.count(capability) > 0; }
  std::unique_ptr<Optimizer> make_optimizer(std::size_t parameters) const;
  LearningRateSchedule make_schedule() const;  // over trainer.steps
};

// A validated, resolved document -> its typed spec (SpecErrors name the JSON path).
RunSpec read_run_spec(nlohmann::json document);

// File -> overrides -> validation -> the typed spec. Errors name the file and the JSON path.
RunSpec resolve_spec(const std::string& path, const std::vector<std::string>& overrides);
// A document (a spec held in memory) the same way; `origin` names it in errors.
RunSpec resolve_spec(const nlohmann::json& raw, const std::vector<std::string>& overrides, const std::string& origin);
// Only the resolved document (sweeps expand and store documents), read all the same so every error shows.
nlohmann::json resolve_spec_json(const nlohmann::json& raw, const std::vector<std::string>& overrides,
                                 const std::string& origin);

// A run file's stored spec, resolved (experiment/spec.hpp: legacy_stored_spec).
RunSpec resolve_stored_spec(const nlohmann::json& raw, const std::string& origin,
                            std::vector<nlohmann::json::json_pointer>* legacy = nullptr);

}  // namespace tractable
