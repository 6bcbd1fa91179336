#include "training/trainer.hpp"

#include "core/error.hpp"
#include "training/progress.hpp"
#include "optim/gradient_clipping.hpp"

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <tuple>

namespace tractable {

namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// SIGUSR1 (Slurm's --signal before a time limit) and SIGTERM (preemption)
// only record the request; the loop acts on it at the next step boundary.
volatile std::sig_atomic_t g_stop_signal = 0;
extern "C" void request_stop(int signal_number) { g_stop_signal = signal_number; }

// The flag is cleared when a run ends, not when it starts: a signal that arrived while the process
// was still starting (handlers installed early by install_stop_signal_handlers) is acted on.
struct StopSignals {
  StopSignals() {
    previous_usr1 = std::signal(SIGUSR1, request_stop);
    previous_term = std::signal(SIGTERM, request_stop);
  }
  ~StopSignals() {
    std::signal(SIGUSR1, previous_usr1);
    std::signal(SIGTERM, previous_term);
    g_stop_signal = 0;
  }
  void (*previous_usr1)(int);
  void (*previous_term)(int);
};

// Fault injection for tests: TRACTABLE_FAULT_NAN_STEP=k makes rank 0's
// gradient NaN at step k (1-based), before the all-reduce.
std::int64_t fault_nan_step() {
  const char* v = std::getenv("TRACTABLE_FAULT_NAN_STEP");
  return v ? std::atoll(v) : -1;
}

std::vector<Real> to_std(const Vector& v) {
  auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), v);
  return std::vector<Real>(host.data(), host.data() + host.extent(0));
}

void from_std(const std::vector<Real>& values, const Vector& v, const std::string& what) {
  if (values.size() != v.extent(0))
    throw IoError(what + " has " + std::to_string(values.size()) + " values, expected " + std::to_string(v.extent(0)));
  HostVector host("tractable::from_std", values.size());
  for (std::size_t i = 0; i < values.size(); ++i) host(i) = values[i];
  Kokkos::deep_copy(v, host);
}

// Names the first parameter whose gradient is not finite.
std::string first_non_finite(const ParameterStore& store) {
  auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), store.gradients());
  for (std::size_t i = 0; i < host.extent(0); ++i)
    if (!std::isfinite(host(i))) return store.name_of_element(i);
  return "(none: the loss itself)";
}

}  // namespace

void install_stop_signal_handlers() {
  std::signal(SIGUSR1, request_stop);
  std::signal(SIGTERM, request_stop);
}

Trainer::Trainer(const TrainerSettings& settings, ParameterStore& store, Optimizer& optimizer,
                 LearningRateSchedule schedule, Problem& problem, const Communicator& comm, Progress& progress,
                 std::string run_path)
    : settings_(settings),
      store_(store),
      optimizer_(optimizer),
      schedule_(std::move(schedule)),
      problem_(problem),
      comm_(comm),
      progress_(progress),
      path_(std::move(run_path)),
      sharded_(comm.size() > 1),
      gate_{Kokkos::View<double>("tractable::Trainer::squared_gradient_norm"), settings.clip_grad_norm},
      wall_start_(now_seconds()),
      inject_nan_at_(fault_nan_step()) {
  std::tie(shard_begin_, shard_end_) = sharded_ ? comm.shard(store.size()) : std::make_pair(std::size_t(0), store.size());
  if (sharded_) {
    gradient_shard_ = Vector("tractable::Trainer::gradient_shard", shard_end_ - shard_begin_);
    buckets_ = std::make_unique<GradientBuckets>(store_, comm_, settings_.reduce_bucket_bytes);
    if (buckets_->count() > 1) store_.set_gradient_ready_listener([this](ParameterId id) { buckets_->ready(id); });
  }
  for (const auto& [name, v] : optimizer_.state())
    require(v.extent(0) == shard_end_ - shard_begin_,
            "Trainer: optimiser state '" + name + "' has " + std::to_string(v.extent(0)) + " values for " +
                std::to_string(shard_end_ - shard_begin_) + " parameters (build it with Trainer::optimizer_length)");
}

Trainer::~Trainer() { store_.set_gradient_ready_listener(nullptr); }

std::size_t Trainer::optimizer_length(const ParameterStore& store, const Communicator& comm) {
  const auto [begin, end] = comm.shard(store.size());
  return comm.size() > 1 ? end - begin : store.size();
}

Checkpoint Trainer::parameters_snapshot(std::int64_t step) const {
  Checkpoint c;
  c.step = step;
  c.parameters = to_std(store_.values());
  c.table = store_.table();
  c.buffers = to_std(store_.buffers());
  c.buffer_table = store_.buffer_table();
  return c;
}

Checkpoint Trainer::snapshot(std::int64_t step) const {
  Checkpoint c = parameters_snapshot(step);
  for (auto& [name, v] : optimizer_.state()) {
    if (!sharded_) {
      c.optimizer_state.emplace_back(name, to_std(v));
      continue;
    }
    // A checkpoint holds the whole state, whatever the number of ranks that resumes it.
    Vector whole("tractable::Trainer::optimizer_state", store_.size());
    Kokkos::deep_copy(Kokkos::subview(whole, std::make_pair(shard_begin_, shard_end_)), v);
    comm_.allgather_shards(whole);
    c.optimizer_state.emplace_back(name, to_std(whole));
  }
  c.optimizer_steps = optimizer_.steps_taken();
  problem_.save(c);
  c.window_loss = window_loss_;
  c.window_steps = window_steps_;
  c.skipped_steps = skipped_total_;
  c.lr_scale = lr_scale_;
  c.selection = selection_;
  return c;
}

void Trainer::restore(const Checkpoint& c) {
  restore_parameters(store_, c, path_);
  for (auto& [name, v] : optimizer_.state()) {
    bool found = false;
    for (const auto& [stored_name, values] : c.optimizer_state)
      if (stored_name == name) {
        const std::string where = path_ + ": /checkpoint/optimizer/" + name;
        if (!sharded_) {
          from_std(values, v, where);
        } else {
          if (values.size() != store_.size())
            throw IoError(where + ": " + std::to_string(values.size()) + " values for " +
                          std::to_string(store_.size()) + " parameters");
          from_std(std::vector<Real>(values.begin() + shard_begin_, values.begin() + shard_end_), v, where);
        }
        found = true;
      }
    if (!found) throw IoError(path_ + ": /checkpoint/optimizer/" + name + " is missing");
  }
  optimizer_.set_steps_taken(c.optimizer_steps);
  problem_.restore(c);
  window_loss_ = c.window_loss;
  window_steps_ = c.window_steps;
  skipped_total_ = c.skipped_steps;
  lr_scale_ = c.lr_scale;
  selection_ = c.selection;
  step_ = c.step;
}

Trainer::StepResult Trainer::reduced_step(std::int64_t step) {
  store_.zero_gradients();
  const bool inject = step + 1 == inject_nan_at_ && comm_.is_root() && !nan_injected_;
  // The one gradient reduction of the step: a reduce-scatter on N ranks, bucket by bucket as the backward
  // pass finishes them (not while a fault is injected: its gradient must be in what is sent).
  if (sharded_) buckets_->start_step(store_.gradients(), gradient_shard_, !inject);
  const double local_loss = problem_.loss_and_gradients(step, Real(1) / Real(settings_.global_batch));
  if (inject) {
    Kokkos::deep_copy(Kokkos::subview(store_.gradients(), std::make_pair(0, 1)), std::nan(""));
    nan_injected_ = true;  // a transient fault: a rollback replays the step cleanly
  }
  const double reduce_start = now_seconds();
  if (sharded_)
    buckets_->finish();
  else
    comm_.allreduce_sum(store_.gradients());  // one rank: nothing to add
  // Time waiting for the reduction after the backward pass, the slowest rank included: the scaling
  // model's communication term (what overlapped with the backward pass is not counted).
  window_allreduce_seconds_ += now_seconds() - reduce_start;
  StepResult r;
  r.loss = comm_.allreduce_sum(local_loss) / double(settings_.global_batch);
  if (sharded_)
    queue_squared_norm(gradient_shard_, gate_, comm_);
  else
    queue_squared_norm(store_.gradients(), gate_);
  return r;
}

void Trainer::update(double lr) {
  if (!sharded_) {
    optimizer_.step(store_.values(), store_.gradients(), Real(lr), gate_);
    return;
  }
  const Vector mine(store_.values().data() + shard_begin_, shard_end_ - shard_begin_);  // [end - begin], a view
  optimizer_.step(mine, gradient_shard_, Real(lr), gate_);
  const double gather_start = now_seconds();
  comm_.allgather_shards(store_.values());
  window_allreduce_seconds_ += now_seconds() - gather_start;
}

double Trainer::train_step(std::int64_t step, double lr) {
  const StepResult r = reduced_step(step);
  update(lr);
  return r.loss;
}

void Trainer::commit(std::int64_t at_step, PendingResults& pending) {
  // Rank 0 writes; a failure (a full disk, a lost directory) stops every rank with the same error, exit 5.
  const double start = now_seconds();
  const Checkpoint checkpoint = snapshot(at_step);  // collective: every rank
  comm_.write_on_root([&] { RunFile::commit(path_, pending, checkpoint); });
  last_commit_seconds_ = now_seconds() - start;
  pending.clear();
}

bool Trainer::survive_non_finite(const StepResult& r, PendingResults& pending, const std::string& spec_update,
                                 const std::map<std::string, std::string>& provenance_update) {
  using Policy = TrainerSettings::OnNonFinite;
  const std::int64_t max = settings_.max_skipped_steps;
  const std::string what = "step " + std::to_string(step_ + 1) + ": non-finite " +
                           (std::isfinite(r.loss) ? "gradient in parameter '" + first_non_finite(store_) + "'"
                                                  : "loss (" + std::to_string(r.loss) + ")");
  if (settings_.on_non_finite == Policy::skip && skipped_in_a_row_ < max) {
    ++skipped_in_a_row_;
    ++skipped_total_;
    progress_.warn(what + "; step skipped (" + std::to_string(skipped_in_a_row_) + " in a row)");
    if ((step_ + 1) % settings_.checkpoint_every == 0 || step_ + 1 == settings_.steps) commit(step_ + 1, pending);
    return true;
  }
  if (settings_.on_non_finite == Policy::rollback && rollbacks_ < max) {
    // Back to the last good checkpoint (rank 0 wrote it; every rank reads it), at a lower learning rate.
    ++rollbacks_;
    pending.clear();  // rows after the checkpoint are recomputed
    pending.spec = spec_update;
    pending.provenance = provenance_update;
    restore(RunFile::read_checkpoint(path_));
    lr_scale_ *= settings_.rollback_lr_factor;
    progress_.warn(what + "; rolled back to the checkpoint at step " + std::to_string(step_) +
                   " with the learning rate scaled by " + std::to_string(lr_scale_));
    --step_;  // the loop's ++step resumes at the checkpoint's step
    return true;
  }
  const std::string after = settings_.on_non_finite == Policy::skip
                                ? " after " + std::to_string(max) + " skipped steps in a row"
                            : settings_.on_non_finite == Policy::rollback ? " after " + std::to_string(max) + " rollbacks"
                                                                          : "";
  throw NumericalError(what + after + "; stopped without writing a checkpoint, the last good one stays in " + path_ +
                       " (try a lower optimizer.lr, optimizer.clip_grad_norm or model.scale_bound)");
}

void Trainer::log_metrics(std::int64_t done, double lr, double grad_norm, PendingResults& pending) {
  const double seconds = now_seconds() - window_start_;
  const double steps_per_second = seconds > 0 ? double(window_steps_) / seconds : 0;
  pending.metrics.add(done, {{"loss", window_loss_ / double(window_steps_)},
                             {"lr", lr},
                             {"grad_norm", grad_norm},
                             {"steps_per_second", steps_per_second},
                             {"wall_time", now_seconds() - wall_start_},
                             {"skipped_steps", double(skipped_total_)},
                             {"allreduce_fraction", seconds > 0 ? window_allreduce_seconds_ / seconds : 0.0},
                             {"commit_seconds", last_commit_seconds_}});
  progress_.report(done, window_loss_ / double(window_steps_), steps_per_second);
  window_loss_ = 0;
  window_steps_ = 0;
  window_allreduce_seconds_ = 0;
  window_start_ = now_seconds();
}

std::map<std::string, double> Trainer::evaluate(std::int64_t done, bool final_pass, PendingResults& pending) {
  // Validation first: when it stops the run, this evaluation is the final pass (done once).
  const std::optional<ValidationLoss> validation = problem_.validation_loss();
  if (validation) {
    if (validation->value < selection_.best_loss) {  // NaN never improves
      selection_.best_loss = validation->value;
      selection_.best_step = done;
      selection_.evaluations_since_best = 0;
      auto best = std::make_shared<Checkpoint>(parameters_snapshot(done));
      best->selection = selection_;
      pending.best = std::move(best);
    } else if (++selection_.evaluations_since_best >= settings_.early_stopping_patience &&
               settings_.early_stopping_patience > 0) {
      selection_.stopped_early = true;
    }
  }
  std::map<std::string, double> results = problem_.evaluate(done, final_pass || selection_.stopped_early, pending);
  if (validation) results[validation->column] = validation->value;
  pending.eval.add(done, results);
  return results;
}

TrainingOutcome Trainer::run(const std::string& spec_update, const std::map<std::string, std::string>& provenance_update) {
  const StopSignals stop_signals;
  PendingResults pending;
  pending.spec = spec_update;
  pending.provenance = provenance_update;
  TrainingOutcome out;
  const std::int64_t first_step = step_, total = settings_.steps;
  const double train_start = now_seconds();
  window_start_ = train_start;
  bool evaluated_final = false;
  for (; step_ < total && !selection_.stopped_early; ++step_) {
    // All ranks agree (one integer all-reduce) whether any was asked to stop.
    if (comm_.any(g_stop_signal != 0)) {
      progress_.warn("stop signal received: checkpointing at step " + std::to_string(step_) +
                     " and exiting for a requeue");
      commit(step_, pending);
      out.interrupted = true;
      break;
    }
    const double lr = lr_scale_ * schedule_.at(step_);
    StepResult r = reduced_step(step_);
    // A non-finite loss is known before the update, which is then not queued. A non-finite gradient
    // norm is read after it: the update did nothing (the gate was closed), and the optimiser forgets
    // the step it counted. After the all-reduce every rank sees the same loss and norm, so all decide alike.
    const bool updated = std::isfinite(r.loss);
    if (updated) update(lr);
    r.grad_norm = read_norm(gate_);
    if (!std::isfinite(r.loss) || !std::isfinite(r.grad_norm)) {
      if (updated) optimizer_.forget_last_step();
      if (survive_non_finite(r, pending, spec_update, provenance_update)) continue;
    }
    skipped_in_a_row_ = 0;

    const std::int64_t done = step_ + 1;
    const bool last = done == total;
    window_loss_ += r.loss;
    ++window_steps_;
    if (done % settings_.log_every == 0 || last) log_metrics(done, lr, r.grad_norm, pending);
    if ((settings_.eval_every > 0 && done % settings_.eval_every == 0) || last) {
      out.last_eval = evaluate(done, last, pending);
      evaluated_final = last || selection_.stopped_early;
      std::string text;
      for (const auto& [name, value] : out.last_eval)
        text += (text.empty() ? "" : ", ") + name + " " + std::to_string(value);
      progress_.note("step " + std::to_string(done) + ": " + text);
    }
    if (done % settings_.checkpoint_every == 0 || last || selection_.stopped_early) commit(done, pending);
    if (selection_.stopped_early) {
      progress_.note("early stopping at step " + std::to_string(done) + ": no lower validation loss in " +
                     std::to_string(settings_.early_stopping_patience) + " evaluations; the best (" +
                     std::to_string(selection_.best_loss) + " at step " + std::to_string(selection_.best_step) +
                     ") is /checkpoint_best");
      step_ = done;
      break;
    }
  }
  if (!evaluated_final && !out.interrupted) {  // resumed at or past the end: evaluate what is there
    out.last_eval = problem_.evaluate(step_, true, pending);
    pending.eval.add(step_, out.last_eval);
    commit(step_, pending);
  }
  out.selection = selection_;
  out.steps = step_;
  const double seconds = now_seconds() - train_start;
  out.steps_per_second = seconds > 0 ? double(step_ - first_step) / seconds : 0;
  return out;
}

}  // namespace tractable
