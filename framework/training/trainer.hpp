#pragma once
// The training loop, for every kind of run: it knows the parameter store, the
// optimiser and a Problem (training/problem.hpp), and nothing of what they are.
//
//   step:   zero grads -> problem's loss and gradients on this rank's rows
//           (scaled by 1/global batch) -> one reduction (sum) -> the gradient
//           norm into a device scalar -> optimiser, which clips by it and does
//           nothing for a non-finite norm (optim/gradient_clipping.hpp) -> the
//           host reads the norm and applies the non-finite policy. The host
//           waits inside a step only for the loss and, after the update is
//           queued, the norm. On N > 1 ranks the optimiser is sharded
//           (ZeRO stage 1): the reduction is a reduce-scatter (in buckets started
//           while the backward pass still runs: training/gradient_buckets.hpp), each rank clips
//           and updates its 1/N of the parameters with its 1/N of the optimiser
//           state, and an all-gather shares the new parameters: the traffic of
//           one all-reduce, 1/N of the update's work and memory per rank.
//   around: metric rows every log_every steps, evaluations every eval_every
//           (the validation loss first: a new lowest keeps the parameters as
//           /checkpoint_best, `patience` evaluations without one stop early),
//           commits of the run file every checkpoint_every (rank 0 writes), a
//           stop signal checkpoints and returns `interrupted`, a non-finite
//           step stops, is skipped or rolls back to the last checkpoint.
#include "core/parameter_store.hpp"
#include "io/run_file.hpp"
#include "optim/learning_rate_schedule.hpp"
#include "optim/optimizer.hpp"
#include "parallel/communicator.hpp"
#include "training/gradient_buckets.hpp"
#include "training/problem.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace tractable {

class Progress;

struct TrainerSettings {
  std::int64_t steps = 2000;
  std::size_t global_batch = 256;
  std::int64_t log_every = 50, eval_every = 500, checkpoint_every = 500;
  double clip_grad_norm = 0;  // 0: off
  std::size_t reduce_bucket_bytes = 0;  // N ranks: > 0, gradient buckets reduced during the backward pass; 0: one
  enum class OnNonFinite { stop, skip, rollback } on_non_finite = OnNonFinite::stop;
  std::int64_t max_skipped_steps = 10;  // skip: in a row; rollback: in all
  double rollback_lr_factor = 0.5;
  std::int64_t early_stopping_patience = 0;  // evaluations without a lower validation loss; 0: off
};

struct TrainingOutcome {
  std::int64_t steps = 0;    // steps completed
  bool interrupted = false;  // a stop signal ended the run after a checkpoint
  ModelSelection selection;  // the best validation loss and its step; whether the run stopped early
  std::map<std::string, double> last_eval;
  double steps_per_second = 0;  // over this invocation's steps
};

class Trainer {
 public:
  Trainer(const TrainerSettings& settings, ParameterStore& store, Optimizer& optimizer, LearningRateSchedule schedule,
          Problem& problem, const Communicator& comm, Progress& progress, std::string run_path);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // Trains from the current step (0, or a restored checkpoint's) to settings.steps.
  // `spec_update`: non-empty on resume, re-recorded with the first commit (an extended training.steps);
  // `provenance_update`: attributes of /provenance set by the first commit (changed data accepted on resume).
  TrainingOutcome run(const std::string& spec_update = "",
                      const std::map<std::string, std::string>& provenance_update = {});

  // One step without the run file, metrics or policies: what `tractable bench` times. Returns the loss.
  double train_step(std::int64_t step, double lr);

  // The number of parameters the optimiser of this rank updates (its state's length): all of them on one
  // rank, this rank's shard on N.
  static std::size_t optimizer_length(const ParameterStore& store, const Communicator& comm);

  // Collective on N ranks (the sharded optimiser state is gathered): call it on every rank.
  Checkpoint snapshot(std::int64_t step) const;
  Checkpoint parameters_snapshot(std::int64_t step) const;  // parameters and buffers only
  void restore(const Checkpoint& checkpoint);  // parameters, optimiser, problem position, open windows
  std::int64_t step() const { return step_; }

 private:
  struct StepResult {
    double loss = 0, grad_norm = 0;
  };
  // Up to the gradient norm, queued into gate_ (grad_norm is not read yet); the optimiser is the caller's.
  StepResult reduced_step(std::int64_t step);
  void update(double lr);  // the optimiser on this rank's parameters (through gate_), then the all-gather
  // A non-finite step under the policy: true to go on (skipped or rolled back), else throws.
  bool survive_non_finite(const StepResult& result, PendingResults& pending, const std::string& spec_update,
                          const std::map<std::string, std::string>& provenance_update);
  void log_metrics(std::int64_t done, double lr, double grad_norm, PendingResults& pending);
  // The validation loss (model selection, early stopping), then the problem's evaluation: the /eval row of `done`.
  std::map<std::string, double> evaluate(std::int64_t done, bool final_pass, PendingResults& pending);
  void commit(std::int64_t at_step, PendingResults& pending);

  TrainerSettings settings_;
  ParameterStore& store_;
  Optimizer& optimizer_;
  LearningRateSchedule schedule_;
  Problem& problem_;
  const Communicator& comm_;
  Progress& progress_;
  std::string path_;
  // The sharded optimiser (N > 1 ranks): this rank's [begin, end) of the parameters and its summed gradients.
  bool sharded_ = false;
  std::size_t shard_begin_ = 0, shard_end_ = 0;
  Vector gradient_shard_;  // [end - begin]
  std::unique_ptr<GradientBuckets> buckets_;  // N > 1 ranks: the reduction, bucket by bucket
  GradientGate gate_;                         // this step's gradient norm on the device, and the clipping bound

  std::int64_t step_ = 0;
  // The open metrics window, kept in checkpoints so a resumed run writes the same rows.
  double window_loss_ = 0;
  std::int64_t window_steps_ = 0, skipped_total_ = 0;
  double lr_scale_ = 1;  // lowered by each rollback; part of the checkpoint
  ModelSelection selection_;  // part of the checkpoint
  std::int64_t skipped_in_a_row_ = 0, rollbacks_ = 0;
  double window_allreduce_seconds_ = 0;
  double last_commit_seconds_ = 0;  // wall time of the latest commit (snapshot, files, rename), for /metrics
  double window_start_ = 0, wall_start_ = 0;  // seconds on a steady clock
  std::int64_t inject_nan_at_ = -1;  // TRACTABLE_FAULT_NAN_STEP (tests), read once
  bool nan_injected_ = false;
};

// Records SIGUSR1/SIGTERM from process start (`tractable run` calls it before MPI and Kokkos start),
// so a stop requested while a run is still starting checkpoints at step 0 instead of killing it.
void install_stop_signal_handlers();

}  // namespace tractable
