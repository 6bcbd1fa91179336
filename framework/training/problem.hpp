#pragma once
// What a run trains, as the Trainer sees it. The Trainer owns the step
// (zero, loss and gradients, one all-reduce, clip, optimiser), checkpoints,
// signals, non-finite policies, metric rows and commits; a Problem says what
// is being fitted: density estimation on data, a flow fitted to an
// unnormalised target, a latent-variable model on data
// (problems/density_estimation.hpp, variational_fit.hpp, latent_variable_fit.hpp).
#include "core/types.hpp"
#include "io/run_file.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tractable {

// What `tractable eval` asks of a trained problem: which split, how many rows
// per pass, and for latent-variable models K and the first N examples (0: the
// run's own settings, all rows).
struct MeasureRequest {
  std::string split = "test";  // "test" | "validation" | "train"
  std::size_t batch = 4096;
  std::size_t importance_samples = 0;
  std::size_t points = 0;
};
// Named results in a stable order; a key "group.name" belongs to object "group".
using Measurement = std::vector<std::pair<std::string, double>>;

// The loss on held-out validation rows (lower is better) and the /eval column it is stored in.
struct ValidationLoss {
  std::string column;
  double value = 0;
};

class Problem {
 public:
  virtual ~Problem() = default;

  // Once, before the first step of a new run (never on resume): data-dependent
  // initialisation such as ActNorm's.
  virtual void initialize() {}

  // Σ over this rank's rows of step `step` of the per-example loss; parameter
  // gradients += scale·∇Σ (the Trainer passes 1 / global batch).
  virtual double loss_and_gradients(std::int64_t step, Real scale) = 0;

  // An evaluation after `step` steps (`final_pass`: the end of training): arrays
  // and samples go to `pending`; returns the scalars it measured (the Trainer
  // writes them, with the validation loss, as the /eval row of `step`).
  virtual std::map<std::string, double> evaluate(std::int64_t step, bool final_pass, PendingResults& pending) = 0;

  // The current parameters' loss on the validation split, measured before each
  // evaluation: the Trainer keeps the best parameters as /checkpoint_best and
  // stops early on it. None: the problem has no validation split.
  virtual std::optional<ValidationLoss> validation_loss() { return std::nullopt; }

  // The same evaluation on demand, with nothing written (`tractable eval`).
  virtual Measurement measure(const MeasureRequest& request) = 0;

  // What a new run file starts with beyond the spec, provenance and model:
  // the data's origin and sizes, test points, arrays known before training.
  virtual void describe(RunHeader& header, PendingResults& first) const = 0;

  // The problem's share of a checkpoint: where the data and sampling streams stand.
  virtual void save(Checkpoint& checkpoint) const = 0;
  virtual void restore(const Checkpoint& checkpoint) = 0;

  // Results that belong in the run's summary beside the last evaluation.
  virtual void add_to_summary(std::map<std::string, double>& /*results*/) const {}
};

}  // namespace tractable
