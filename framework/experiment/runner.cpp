#include "experiment/runner.hpp"

#include "core/error.hpp"
#include "data/sharded_batcher.hpp"
#include "experiment/build_from_spec.hpp"
#include "experiment/evaluation.hpp"
#include "experiment/mcmc_evaluation.hpp"
#include "experiment/model_session.hpp"
#include "experiment/progress.hpp"
#include "experiment/provenance.hpp"
#include "experiment/vae_evaluation.hpp"
#include "data/mnist.hpp"
#include "experiment/spec.hpp"
#include "io/run_file.hpp"
#include "optim/gradient_clipping.hpp"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <map>
#include <cmath>
#include <sstream>

namespace tractable {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

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

}  // namespace

void install_stop_signal_handlers() {
  std::signal(SIGUSR1, request_stop);
  std::signal(SIGTERM, request_stop);
}

namespace {

std::string output_path(const RunOptions& options, const json& spec) {
  if (!options.out.empty()) return options.out;
  const std::string configured = spec.at("output").at("path");
  return configured.empty() ? "runs/" + spec.at("name").get<std::string>() + ".h5" : configured;
}

// The first JSON path where two specs differ, ignoring `ignored` (dotted).
std::string first_difference(const json& a, const json& b, const std::string& path, const std::string& ignored) {
  if (path == ignored) return "";
  // Integers read back from JSON text come back unsigned: compare numbers by value.
  if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>() ? "" : path;
  if (a.type() != b.type()) return path.empty() ? "(top level)" : path;
  if (a.is_object()) {
    for (auto it = a.begin(); it != a.end(); ++it) {
      const std::string child = path.empty() ? it.key() : path + "." + it.key();
      if (!b.contains(it.key())) return child;
      const auto d = first_difference(it.value(), b.at(it.key()), child, ignored);
      if (!d.empty()) return d;
    }
    for (auto it = b.begin(); it != b.end(); ++it)
      if (!a.contains(it.key())) return path.empty() ? it.key() : path + "." + it.key();
    return "";
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return path;
    for (std::size_t i = 0; i < a.size(); ++i) {
      const auto d = first_difference(a[i], b[i], path + "[" + std::to_string(i) + "]", ignored);
      if (!d.empty()) return d;
    }
    return "";
  }
  return a == b ? "" : path;
}

std::vector<Real> to_std(const Vector& v) {
  auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), v);
  return std::vector<Real>(host.data(), host.data() + host.extent(0));
}

void from_std(const std::vector<Real>& values, const Vector& v, const std::string& what) {
  if (values.size() != v.extent(0)) throw IoError(what + " has " + std::to_string(values.size()) + " values, expected " +
                                                  std::to_string(v.extent(0)));
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

RunSummary run_experiment(const RunOptions& options, const Communicator& comm) {
  const auto wall_start = Clock::now();
  json spec = resolve_spec(options.spec_path, options.overrides);
  const std::string path = output_path(options, spec);
  const bool exists = RunFile::exists(path);
  bool resuming = options.resume && exists;
  if (exists && !options.resume && !options.force)
    throw IoError(path + ": a run file already exists; pass --resume to continue it or --force to replace it");
  if (exists && options.resume && options.force)
    throw UsageError("--resume and --force contradict each other");

  const json& training = spec.at("training");
  if (resuming) {
    // Only training.steps may change on resume (to extend a run). The stored spec is resolved
    // again, so keys added to the spec language since the run started take their defaults.
    const json stored = resolve_spec_json(RunFile::read_spec(path), {}, path + ":/spec");
    const std::string diff = first_difference(stored, spec, "", "training.steps");
    if (!diff.empty())
      throw SpecError(options.spec_path + ": differs from the spec stored in " + path + " at '" + diff +
                      "'; resume with the same spec (only training.steps may change)");
  }

  Progress progress(training.at("steps"), comm.is_root() && !options.quiet, comm.is_root());
  const json& objective_spec = spec.at("objective");
  const bool variational = objective_spec.at("type") == "reverse_kl";
  const bool is_vae = spec.at("model").at("type") == "vae";

  // What the flow models: data (nll) or an unnormalised target (reverse_kl).
  Dataset data;
  std::unique_ptr<Target> target;
  std::size_t dim = 0;
  if (variational) {
    target = build_target(objective_spec.at("target"));
    dim = target->dim();
    data.origin = "target:" + objective_spec.at("target").at("type").get<std::string>();
  } else {
    data = load_dataset(spec.at("data"));
    if (data.train.extent(0) == 0 || data.test.extent(0) == 0)
      throw DataError(data.origin + ": the train and test splits must both be non-empty");
    check_finite(data.train, data.origin + " (train split)");
    check_finite(data.test, data.origin + " (test split)");
    dim = data.dim();
  }
  if (is_vae && spec.at("model").at("decoder").at("type") == "bernoulli") {
    check_unit_interval(data.train, data.origin + " (train split)");
    check_unit_interval(data.test, data.origin + " (test split)");
  }
  if (!is_vae && dim < 2)
    throw DataError(data.origin + ": has " + std::to_string(dim) +
                    " column(s); a coupling flow needs data with at least 2 dimensions");
  auto session = build_model_session(spec, dim, comm);
  ParameterStore& store = session->store;
  Flow* flow = session->flow.get();  // exactly one of flow and vae
  LatentVariableModel* vae = session->vae.get();
  comm.broadcast(store.values());  // rank 0's initialisation is everyone's

  const std::int64_t total_steps = training.at("steps");
  const std::size_t global_batch = training.at("batch_size");
  const std::uint64_t seed = training.at("seed");
  const std::int64_t log_every = training.at("log_every"), eval_every = training.at("eval_every"),
                     checkpoint_every = training.at("checkpoint_every");
  const std::size_t eval_batch = training.at("eval_batch_size");
  const json& output = spec.at("output");
  const std::size_t n_samples = output.at("n_samples");
  const double clip = spec.at("optimizer").at("clip_grad_norm");

  auto optimizer = build_optimizer(spec.at("optimizer"), store.size());
  const auto schedule = build_schedule(spec.at("optimizer"), total_steps);
  auto objective = vae ? build_vae_objective(objective_spec, *vae, seed, global_batch)
                       : build_objective(objective_spec, *flow, target.get());
  RandomStream sample_stream(seed, 0, Stream::sample);

  // Each step's rows: shards of a data batch, or of the step's base noise,
  // drawn by global row index so N ranks see what one rank would.
  std::unique_ptr<ShardedBatcher> batcher;
  if (!variational) batcher = std::make_unique<ShardedBatcher>(data.train, global_batch, seed, comm.rank(), comm.size());
  const RandomStream noise_stream(seed, 0, Stream::noise);
  // Not a structured binding: lambdas below capture these, which C++17 (clang) forbids for bindings.
  const auto noise_shard = comm.shard(global_batch);
  const std::size_t noise_begin = noise_shard.first, noise_end = noise_shard.second;
  Matrix noise("tractable::run::base_noise", noise_end - noise_begin, dim);
  // Dynamic binarisation: fresh Bernoulli draws keyed on (step, global row), so every rank count draws alike.
  const bool binarize_each_step = !variational && spec.at("data").contains("binarize") &&
                                  spec.at("data").at("binarize") == "dynamic";
  const RandomStream binarize_stream(seed, 0, Stream::binarize);
  Matrix binarized;
  auto next_batch = [&](std::int64_t at_step) -> const Matrix& {
    if (batcher && binarize_each_step) {
      binarize_at(batcher->next(), binarized, binarize_stream, (std::uint64_t(at_step) * global_batch + noise_begin) * dim);
      return binarized;
    }
    if (batcher) return batcher->next();
    noise_stream.fill_normal_at(noise, (std::uint64_t(at_step) * global_batch + noise_begin) * dim);
    return noise;
  };
  // log Z of the target, to turn the ELBO into KL(q‖p): closed form, or a fine quadrature in 2D.
  double reference_log_z = std::nan("");
  if (variational) {
    reference_log_z = target->log_normalizer();
    if (std::isnan(reference_log_z) && dim == 2) reference_log_z = quadrature_log_normalizer(*target, -8, 8, 1600);
  }

  double window_loss = 0;
  std::int64_t window_steps = 0, skipped_total = 0;
  double lr_scale = 1;  // lowered by each rollback; part of the checkpoint
  auto snapshot = [&](std::int64_t step) {
    Checkpoint c;
    c.step = step;
    c.parameters = to_std(store.values());
    c.table = store.table();
    c.buffers = to_std(store.buffers());
    c.buffer_table = store.buffer_table();
    for (auto& [name, v] : optimizer->state()) c.optimizer_state.emplace_back(name, to_std(v));
    c.optimizer_steps = optimizer->steps_taken();
    c.data_epoch = batcher ? batcher->epoch() : 0;
    c.data_cursor = batcher ? batcher->cursor() : 0;
    c.sample_counter = sample_stream.counter();
    c.window_loss = window_loss;
    c.window_steps = window_steps;
    c.skipped_steps = skipped_total;
    c.lr_scale = lr_scale;
    return c;
  };

  std::int64_t step = 0;
  // Everything that shapes the future, from a checkpoint (resume and rollback).
  auto restore = [&](const Checkpoint& c) {
    restore_parameters(store, c, path);
    for (auto& [name, v] : optimizer->state()) {
      bool found = false;
      for (const auto& [stored_name, values] : c.optimizer_state)
        if (stored_name == name) {
          from_std(values, v, path + ": /checkpoint/optimizer/" + name);
          found = true;
        }
      if (!found) throw IoError(path + ": /checkpoint/optimizer/" + name + " is missing");
    }
    optimizer->set_steps_taken(c.optimizer_steps);
    if (batcher) batcher->set_position(c.data_epoch, c.data_cursor);
    sample_stream.set_counter(c.sample_counter);
    window_loss = c.window_loss;
    window_steps = c.window_steps;
    skipped_total = c.skipped_steps;
    lr_scale = c.lr_scale;
    step = c.step;
  };
  if (resuming) {
    restore(RunFile::read_checkpoint(path));
    progress.note("resuming " + path + " from step " + std::to_string(step));
  } else if (batcher) {
    // Data-dependent initialisation (ActNorm) from the first global batch; the
    // batcher is rewound so training still starts with that batch.
    if (flow) flow->initialize_from_data(batcher->next(), comm);
    batcher->set_position(0, 0);
  }
  if (!resuming && comm.is_root()) {
    if (options.resume) progress.note(path + " does not exist yet; starting a new run");
    RunHeader header;
    header.spec = spec;
    header.provenance = collect_provenance(comm.size(), options.command_line, training.at("subnormals"));
    header.model = session->description;
    header.data_origin = data.origin;
    header.data_dim = dim;
    header.n_train = batcher ? data.train.extent(0) : 0;
    header.n_test = batcher ? data.test.extent(0) : 0;
    if (batcher) header.data_points = gather_rows(data.test, output.at("n_data_points"));
    PendingResults first;
    if (variational && !std::isnan(reference_log_z))
      first.arrays.push_back(NamedArray{"/eval/reference_log_z", {reference_log_z}, {1}, {}});
    RunFile::create(path, header, first, snapshot(0));
  }
  comm.barrier();

  PendingResults pending;
  if (resuming) pending.spec = spec.dump(2);  // records an extended training.steps
  std::map<std::string, double> last_eval;
  auto evaluate_vae_run = [&](std::int64_t at_step, bool final_pass) {
    // Every evaluation: the ELBO and the training bound L_k on the test split. At the end: log p(x) with
    // K importance samples, the bounds L_k, active units, reconstructions and the amortisation gap.
    const RandomStream eval_stream(seed, 0, Stream::eval);
    const std::size_t k = objective_spec.at("samples");
    const std::size_t eval_points = objective_spec.at("eval_test_points");
    const HostMatrix test = eval_points > 0 ? gather_rows(data.test, eval_points) : data.test;
    const auto quick = evaluate_vae(*vae, test, k, {1, k}, eval_stream, eval_batch, comm);
    last_eval = {{"test_elbo", quick.elbo}, {"test_bound", quick.bounds.at(k)}};
    if (final_pass) {
      std::vector<std::size_t> ks;
      for (const auto& v : objective_spec.at("eval_bounds")) ks.push_back(v.get<std::size_t>());
      const std::size_t K = objective_spec.at("eval_importance_samples");
      const auto full = evaluate_vae(*vae, test, K, ks, eval_stream, eval_batch, comm);
      last_eval["test_nll"] = full.nll;
      last_eval["test_bits_per_dim"] = full.bits_per_dim;
      last_eval["active_units"] = double(full.active_units);
      // Per-example log p̂(x): each rank's shard, gathered in order to the root (measured choice: README).
      const auto per_example = comm.gather_to_root(full.local_log_likelihood);
      if (comm.is_root())
        pending.arrays.push_back(NamedArray{"/eval/test_log_likelihood", per_example, {per_example.size()},
                                            {{"importance_samples", double(K)}}});
      for (const auto& [bk, value] : full.bounds) last_eval["test_bound_k" + std::to_string(bk)] = value;
      pending.arrays.push_back(NamedArray{"/eval/posterior_mean_variance", full.posterior_mean_variance,
                                          {full.posterior_mean_variance.size()}, {{"threshold", 1e-2}}});
      const std::size_t gap_points = objective_spec.at("amortization_gap_points");
      if (gap_points > 0) {
        const RandomStream gap_stream(seed, 1, Stream::eval);
        const auto gap = measure_amortization_gap(*vae, test, gap_points, objective_spec.at("amortization_gap_steps"),
                                                  objective_spec.at("amortization_gap_lr"), 10, 1000, gap_stream, comm);
        last_eval["amortized_elbo"] = gap.encoder_elbo;
        last_eval["optimized_elbo"] = gap.optimized_elbo;
        last_eval["amortization_gap"] = gap.gap();
      }
      if (comm.is_root()) {
        const HostMatrix inputs = gather_rows(data.test, std::min<std::size_t>(n_samples, 64));
        std::vector<double> reconstruction_log_likelihood;
        const HostMatrix reconstructions = vae_reconstructions(*vae, inputs, &reconstruction_log_likelihood);
        auto flat = [](const HostMatrix& m) {
          return std::vector<double>(m.data(), m.data() + m.extent(0) * m.extent(1));
        };
        pending.arrays.push_back(NamedArray{"/eval/reconstruction_inputs", flat(inputs), {inputs.extent(0), inputs.extent(1)}, {}});
        pending.arrays.push_back(
            NamedArray{"/eval/reconstructions", flat(reconstructions), {reconstructions.extent(0), reconstructions.extent(1)}, {}});
        // log p(x|z) at the same latents, through the decoder likelihood training uses: the analysis
        // checks it against the closed form from the stored inputs, means and variance.
        pending.arrays.push_back(NamedArray{"/eval/reconstruction_log_likelihood", reconstruction_log_likelihood,
                                            {reconstruction_log_likelihood.size()}, {}});
      }
    }
    pending.eval.add(at_step, last_eval);
    if (comm.is_root() && n_samples > 0) pending.samples.emplace_back(at_step, vae->sample_means(sample_stream, n_samples));
  };
  auto evaluate = [&](std::int64_t at_step, bool final_pass) {
    if (vae) return evaluate_vae_run(at_step, final_pass);
    Flow& flow = *session->flow;
    flow.set_training(false);  // running statistics (BatchNorm) while evaluating and sampling
    if (variational) {
      const RandomStream eval_stream(seed, 0, Stream::eval);  // the same block of noise at every evaluation
      const auto r = evaluate_importance(flow, *target, eval_stream, objective_spec.at("eval_samples"), eval_batch,
                                         comm, reference_log_z);
      last_eval = {{"elbo", r.elbo}, {"log_z", r.log_z}, {"ess_fraction", r.ess_fraction}};
      if (!std::isnan(reference_log_z)) last_eval["kl"] = r.kl;
      const json& mcmc = objective_spec.at("mcmc");
      if (final_pass && comm.is_root() && (mcmc.at("proposals") > 0 || mcmc.at("hmc").at("chains") > 0)) {
        McmcOptions options;
        options.proposals = mcmc.at("proposals");
        options.thermalization = mcmc.at("thermalization");
        options.bootstrap_resamples = mcmc.at("bootstrap_resamples");
        const json& hmc = mcmc.at("hmc");
        options.hmc_chains = hmc.at("chains");
        options.hmc.trajectories = hmc.at("trajectories");
        options.hmc.thermalization = hmc.at("thermalization");
        options.hmc.leapfrog_steps = hmc.at("leapfrog_steps");
        options.hmc.step_size = hmc.at("step_size");
        progress.note("MCMC: " + std::to_string(options.proposals) + " flow proposals" +
                      (options.hmc_chains ? ", HMC baseline " + std::to_string(options.hmc_chains) + " chains × " +
                                                std::to_string(options.hmc.trajectories) + " trajectories"
                                          : std::string()));
        auto report = evaluate_mcmc(flow, *target, options, seed, eval_batch);
        for (const auto& [name, value] : report.scalars) last_eval[name] = value;
        for (auto& a : report.arrays) pending.arrays.push_back(std::move(a));
      }
    } else {
      std::vector<double> local_log_p;
      const NllResult r = evaluate_nll(flow, data.test, eval_batch, comm, final_pass ? &local_log_p : nullptr);
      if (final_pass) {
        // Per-example log p(x) of the test split: each rank's shard, gathered in order to the root.
        const auto per_example = comm.gather_to_root(local_log_p);
        if (comm.is_root())
          pending.arrays.push_back(NamedArray{"/eval/test_log_likelihood", per_example, {per_example.size()}, {}});
      }
      last_eval = {{"test_nll", r.nll}, {"test_bits_per_dim", r.bits_per_dim}};
    }
    pending.eval.add(at_step, last_eval);
    HostMatrix samples;
    if (comm.is_root() && n_samples > 0) {
      samples = draw_samples(flow, sample_stream, n_samples, eval_batch);
      pending.samples.emplace_back(at_step, samples);
    }
    const std::size_t grid = output.at("density_grid");
    if (final_pass && comm.is_root() && dim == 2 && grid > 1) {
      // Cover the data (or the target's mass) with a margin, on a square so the heat-map is not distorted.
      double extent = variational ? 4.0 : 0.0;
      const HostMatrix& cover = batcher ? data.test : samples;
      for (std::size_t i = 0; i < cover.extent(0); ++i)
        extent = std::max({extent, std::abs(double(cover(i, 0))), std::abs(double(cover(i, 1)))});
      extent = std::min(std::ceil(extent * 1.1 * 2) / 2, 50.0);
      pending.arrays.push_back(log_density_grid(flow, -extent, extent, grid, "/eval/density_grid"));
      if (variational)
        pending.arrays.push_back(log_density_grid(*target, -extent, extent, grid, "/eval/target_log_density_grid"));
    }
    flow.set_training(true);
  };
  auto describe_eval = [&] {
    std::string text;
    for (const auto& [name, value] : last_eval) text += (text.empty() ? "" : ", ") + name + " " + std::to_string(value);
    return text;
  };
  auto commit = [&](std::int64_t at_step) {
    if (comm.is_root()) RunFile::commit(path, pending, snapshot(at_step));
    pending.clear();
    comm.barrier();
  };

  const Real grad_scale = Real(1) / Real(global_batch);
  double steps_per_second = 0, window_allreduce_seconds = 0;
  auto window_start = Clock::now();
  const auto train_start = Clock::now();
  const std::int64_t first_step = step;
  bool evaluated_final = false, interrupted = false;

  const StopSignals stop_signals;
  const std::string on_non_finite = training.at("on_non_finite");
  const std::int64_t max_skipped = training.at("max_skipped_steps");
  const std::int64_t inject_nan_at = fault_nan_step();
  const double rollback_factor = training.at("rollback_lr_factor");
  std::int64_t skipped_in_a_row = 0, rollbacks = 0;
  bool nan_injected = false;
  for (; step < total_steps; ++step) {
    // All ranks agree (one integer all-reduce) whether any was asked to stop.
    if (comm.any(g_stop_signal != 0)) {
      progress.warn("stop signal received: checkpointing at step " + std::to_string(step) + " and exiting for a requeue");
      commit(step);
      interrupted = true;
      break;
    }
    const double lr = lr_scale * schedule.at(step);
    store.zero_gradients();
    const Matrix& x = next_batch(step);
    objective->set_position(step, noise_begin);
    const double local_loss = objective->sum_and_backward(x, grad_scale);
    if (step + 1 == inject_nan_at && comm.is_root() && !nan_injected) {
      Kokkos::deep_copy(Kokkos::subview(store.gradients(), std::make_pair(0, 1)), std::nan(""));
      nan_injected = true;  // a transient fault: a rollback replays the step cleanly
    }
    const auto reduce_start = Clock::now();
    comm.allreduce_sum(store.gradients());  // the one gradient all-reduce of the step
    // Time in the all-reduce, waiting for the slowest rank included: the scaling model's communication term.
    window_allreduce_seconds += std::chrono::duration<double>(Clock::now() - reduce_start).count();
    const double loss = comm.allreduce_sum(local_loss) / double(global_batch);
    const double grad_norm = clip_by_global_norm(store.gradients(), clip);
    // After the all-reduce every rank sees the same loss and norm, so all decide alike.
    if (!std::isfinite(loss) || !std::isfinite(grad_norm)) {
      const std::string what = "step " + std::to_string(step + 1) + ": non-finite " +
                                (std::isfinite(loss) ? "gradient in parameter '" + first_non_finite(store) + "'"
                                                     : "loss (" + std::to_string(loss) + ")");
      if (on_non_finite == "skip" && skipped_in_a_row < max_skipped) {
        ++skipped_in_a_row;
        ++skipped_total;
        progress.warn(what + "; step skipped (" + std::to_string(skipped_in_a_row) + " in a row)");
        if ((step + 1) % checkpoint_every == 0 || step + 1 == total_steps) commit(step + 1);
        continue;
      }
      if (on_non_finite == "rollback" && rollbacks < max_skipped) {
        // Back to the last good checkpoint (rank 0 wrote it; every rank reads it), at a lower learning rate.
        ++rollbacks;
        pending.clear();  // rows after the checkpoint are recomputed
        if (resuming) pending.spec = spec.dump(2);
        restore(RunFile::read_checkpoint(path));
        lr_scale *= rollback_factor;
        progress.warn(what + "; rolled back to the checkpoint at step " + std::to_string(step) +
                      " with the learning rate scaled by " + std::to_string(lr_scale));
        --step;  // the loop's ++step resumes at the checkpoint's step
        continue;
      }
      throw NumericalError(what + (on_non_finite == "skip" ? " after " + std::to_string(max_skipped) + " skipped steps in a row"
                                                          : on_non_finite == "rollback" ? " after " + std::to_string(max_skipped) + " rollbacks" : "") +
                           "; stopped without writing a checkpoint, the last good one stays in " + path +
                           " (try a lower optimizer.lr, optimizer.clip_grad_norm or model.scale_bound)");
    }
    skipped_in_a_row = 0;
    optimizer->step(store.values(), store.gradients(), Real(lr));

    const std::int64_t done = step + 1;
    window_loss += loss;
    ++window_steps;
    if (done % log_every == 0 || done == total_steps) {
      const double seconds = std::chrono::duration<double>(Clock::now() - window_start).count();
      steps_per_second = seconds > 0 ? double(window_steps) / seconds : 0;
      pending.metrics.add(done, {{"loss", window_loss / double(window_steps)},
                                 {"lr", lr},
                                 {"grad_norm", grad_norm},
                                 {"steps_per_second", steps_per_second},
                                 {"wall_time", std::chrono::duration<double>(Clock::now() - wall_start).count()},
                                 {"skipped_steps", double(skipped_total)},
                                 {"allreduce_fraction", seconds > 0 ? window_allreduce_seconds / seconds : 0.0}});
      progress.report(done, window_loss / double(window_steps), steps_per_second);
      window_loss = 0;
      window_steps = 0;
      window_allreduce_seconds = 0;
      window_start = Clock::now();
    }
    const bool last = done == total_steps;
    if ((eval_every > 0 && done % eval_every == 0) || last) {
      evaluate(done, last);
      evaluated_final = last;
      progress.note("step " + std::to_string(done) + ": " + describe_eval());
    }
    if (done % checkpoint_every == 0 || last) commit(done);
  }
  if (!evaluated_final && !interrupted) {  // resumed at or past the end: evaluate what is there
    evaluate(step, true);
    commit(step);
  }
  progress.finish();

  RunSummary summary;
  summary.path = path;
  summary.steps = step;
  summary.interrupted = interrupted;
  summary.results = last_eval;
  if (variational && !std::isnan(reference_log_z)) summary.results["reference_log_z"] = reference_log_z;
  const double train_seconds = std::chrono::duration<double>(Clock::now() - train_start).count();
  summary.steps_per_second = train_seconds > 0 ? double(step - first_step) / train_seconds : 0;
  summary.seconds = std::chrono::duration<double>(Clock::now() - wall_start).count();
  return summary;
}

}  // namespace tractable
