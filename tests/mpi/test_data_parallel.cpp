// Run under `mpirun -np N` (ctest: N = 2 and 3): training on N ranks with
// global batch B gives the parameters one rank gets with the same B (fp64, to
// summation-order rounding: relative 1e-9 documented, ~1e-13 seen), including
// batches that do not split evenly.
#include "gradient_check.hpp"

#include "experiment/runner.hpp"
#include "training/gradient_buckets.hpp"
#include "io/hdf5_file.hpp"
#include "io/run_file.hpp"

#include <filesystem>
#include <fstream>

using namespace tractable;

namespace {
RunOptions options(const std::string& out, std::size_t batch, const std::string& layers, const std::string& optimizer) {
  RunOptions o;
  o.spec_path = std::string(TRACTABLE_SOURCE_DIR) + "/experiments/quickstart.json";
  o.out = out;
  o.force = true;
  o.quiet = true;
  o.overrides = {"training.steps=50", "training.batch_size=" + std::to_string(batch), "training.eval_every=0",
                 "training.checkpoint_every=25", "model.repeat=4", "model.hidden=32", "data.n_train=3000",
                 "data.n_test=1000", "output.n_samples=10", "output.density_grid=0", "model.layers=" + layers,
                 "optimizer.type=" + optimizer};
  return o;
}

// max_k |a_k − b_k| / max(1, |b_k|) over the checkpoint parameters of two run files (sizes must match).
double largest_relative_parameter_difference(const std::string& a_path, const std::string& b_path) {
  const auto a = RunFile::read_checkpoint(a_path), b = RunFile::read_checkpoint(b_path);
  REQUIRE(a.parameters.size() == b.parameters.size());
  double worst = 0;
  for (std::size_t k = 0; k < a.parameters.size(); ++k)
    worst = std::max(worst, std::abs(a.parameters[k] - b.parameters[k]) / std::max(1.0, std::abs(b.parameters[k])));
  return worst;
}

std::vector<double> per_example_log_likelihood(const std::string& path) {
  return Hdf5File(path, Hdf5File::Mode::read_only).read<double>("/eval/test_log_likelihood");
}
}  // namespace

TEST_CASE("data parallel: N ranks match 1 rank with the same global batch", "[mpi]") {
  Communicator world;
  REQUIRE(world.size() >= 2);
  const std::string coupling = R"([{"type":"affine_coupling"}])";
  // ActNorm's data-dependent initialisation must use the global batch to match.
  const std::string autoregressive = R"([{"type":"actnorm"},{"type":"maf","hidden":16},{"type":"reverse"}])";
  // BatchNorm's statistics and their gradients must be global too. A layer
  // before BatchNorm has directions the loss is exactly invariant to (BatchNorm
  // undoes a shift or scale of its input), whose gradients are rounding noise;
  // Adam would normalise that noise into full-size steps, so this case uses SGD.
  const std::string batchnorm = R"([{"type":"actnorm"},{"type":"maf","hidden":16},{"type":"batchnorm"},{"type":"reverse"}])";
  struct Case {
    std::size_t batch;
    std::string layers, optimizer;
  };
  // The first case reduces the gradient in one blocking reduce-scatter (the default), the others in
  // buckets of 1 KiB started during the backward pass.
  for (const auto& c : {Case{64, coupling, "adam"}, Case{63, coupling, "adam"}, Case{63, autoregressive, "adam"},
                        Case{63, batchnorm, "sgd"}}) {
    const std::size_t batch = c.batch;
    const std::string layers = c.layers, optimizer = c.optimizer;
    SECTION("global batch " + std::to_string(batch) + ", layers " + layers + ", " + optimizer) {
      const std::string parallel = "dp_two_ranks.h5", single = "dp_one_rank.h5";
      RunOptions on_n = options(parallel, batch, layers, optimizer);
      if (batch == 63) on_n.overrides.push_back("training.reduce_bucket_kib=1");
      const auto two = run_experiment(on_n, world);
      if (world.rank() == 0) {
        Communicator self(MPI_COMM_SELF);
        const auto one = run_experiment(options(single, batch, layers, optimizer), self);
        CHECK(two.result("test_nll") == Approx(one.result("test_nll")).epsilon(1e-9));
        const double worst = largest_relative_parameter_difference(parallel, single);
        INFO("largest relative parameter difference after 50 steps: " << worst);
        CHECK(worst < 1e-9);
        CHECK(std::isfinite(worst));
        // Per-example test log p(x): gathered from the ranks' shards in order, equal to one rank's.
        const auto per_two = per_example_log_likelihood(parallel), per_one = per_example_log_likelihood(single);
        REQUIRE(per_two.size() == 1000);
        REQUIRE(per_one.size() == per_two.size());
        for (std::size_t i = 0; i < per_one.size(); ++i) CHECK(per_two[i] == Approx(per_one[i]).epsilon(1e-9));
        std::filesystem::remove(parallel);
        std::filesystem::remove(single);
      }
      world.barrier();
    }
  }
}

TEST_CASE("data parallel: the sharded optimiser's state survives a change of rank count on resume", "[mpi]") {
  // N ranks keep 1/N of Adam's moments each; a checkpoint holds them whole. A run checkpointed on N ranks
  // and resumed on one, and one checkpointed on one and resumed on N, both end where one rank's
  // uninterrupted run does (a wrong or missing shard of m or v would move the parameters by ~1e-3).
  Communicator world;
  REQUIRE(world.size() >= 2);
  Communicator self(MPI_COMM_SELF);
  const std::string layers = R"([{"type":"actnorm"},{"type":"maf","hidden":16},{"type":"reverse"}])";
  auto steps = [&](const std::string& out, std::int64_t n, bool resume) {
    RunOptions o = options(out, 63, layers, "adam");
    o.overrides.push_back("training.steps=" + std::to_string(n));
    o.overrides.push_back("training.reduce_bucket_kib=1");
    o.overrides.push_back("training.checkpoint_every=10");
    if (resume) {
      o.force = false;
      o.resume = true;
    }
    return o;
  };
  if (world.rank() == 0) {
    std::filesystem::remove("dp_resume_n.h5");
    std::filesystem::remove("dp_resume_1.h5");
    run_experiment(steps("dp_straight.h5", 50, false), self);
    run_experiment(steps("dp_resume_1.h5", 30, false), self);  // one rank first, N ranks after
  }
  world.barrier();
  run_experiment(steps("dp_resume_n.h5", 30, false), world);  // N ranks first, one rank after
  run_experiment(steps("dp_resume_1.h5", 50, true), world);
  if (world.rank() == 0) {
    run_experiment(steps("dp_resume_n.h5", 50, true), self);
    for (const char* path : {"dp_resume_n.h5", "dp_resume_1.h5"}) {
      const double worst = largest_relative_parameter_difference(path, "dp_straight.h5");
      INFO(path << ": largest relative parameter difference from the uninterrupted run: " << worst);
      CHECK(worst < 1e-9);
      std::filesystem::remove(path);
    }
    std::filesystem::remove("dp_straight.h5");
  }
  world.barrier();
}

TEST_CASE("data parallel: a conditional flow on N ranks matches 1 rank, contexts sharded with their rows", "[mpi]") {
  Communicator world;
  REQUIRE(world.size() >= 2);
  // slcp: 8 context columns (standardised, embedded), 5 modelled; every conditional layer kind and the
  // conditional base; a global batch that does not split evenly.
  const std::string layers =
      R"([{"type":"actnorm"},{"type":"rqs_coupling","bins":4},{"type":"maf","hidden":16},{"type":"reverse"}])";
  auto conditional = [&](const std::string& out) {
    RunOptions o = options(out, 63, layers, "adam");
    o.overrides.push_back(R"(data={"source":"simulator","simulator":"slcp","n_simulations":2000,"n_test":500})");
    o.overrides.push_back(R"(model.context_embedding={"hidden":16,"depth":1,"out":6})");
    o.overrides.push_back(R"(model.base={"type":"diagonal_gaussian"})");
    o.overrides.push_back("model.repeat=2");
    o.overrides.push_back("training.reduce_bucket_kib=1");
    return o;
  };
  const auto two = run_experiment(conditional("dp_cond_n.h5"), world);
  if (world.rank() == 0) {
    Communicator self(MPI_COMM_SELF);
    const auto one = run_experiment(conditional("dp_cond_1.h5"), self);
    CHECK(two.result("test_nll") == Approx(one.result("test_nll")).epsilon(1e-9));
    CHECK(two.result("validation_nll") == Approx(one.result("validation_nll")).epsilon(1e-9));
    const double worst = largest_relative_parameter_difference("dp_cond_n.h5", "dp_cond_1.h5");
    INFO("largest relative parameter difference after 50 steps: " << worst);
    CHECK(worst < 1e-9);
    const auto per_two = per_example_log_likelihood("dp_cond_n.h5"), per_one = per_example_log_likelihood("dp_cond_1.h5");
    REQUIRE(per_two.size() == 500);
    for (std::size_t i = 0; i < per_one.size(); ++i) CHECK(per_two[i] == Approx(per_one[i]).epsilon(1e-9));
    std::filesystem::remove("dp_cond_n.h5");
    std::filesystem::remove("dp_cond_1.h5");
  }
  world.barrier();
}

TEST_CASE("data parallel: a VAE (IWAE, dynamic binarisation) on N ranks matches 1 rank", "[mpi]") {
  Communicator world;
  REQUIRE(world.size() >= 2);
  // A small IDX image file: 300 images of 6×6 with smooth grey levels.
  const std::string images = "dp_images.idx";
  if (world.rank() == 0) {
    std::vector<unsigned char> bytes = {0, 0, 8, 3, 0, 0, 1, 44, 0, 0, 0, 6, 0, 0, 0, 6};
    for (std::size_t i = 0; i < 300; ++i)
      for (std::size_t p = 0; p < 36; ++p) bytes.push_back(static_cast<unsigned char>((37 * i + 11 * p) % 256));
    std::ofstream(images, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  }
  world.barrier();
  auto vae_options = [&](const std::string& out) {
    RunOptions o;
    o.spec_path = std::string(TRACTABLE_SOURCE_DIR) + "/experiments/vae/iwae_mnist.json";
    o.out = out;
    o.force = true;
    o.quiet = true;
    o.overrides = {"data={\"source\":\"idx\",\"train_images\":\"" + images + "\",\"binarize\":\"dynamic\"}",
                   "model.latent=4", "model.hidden=16", "objective.samples=3", "objective.eval_importance_samples=50",
                   "objective.eval_bounds=[1,5,50]", "objective.amortization_gap_points=0", "training.steps=50",
                   "training.batch_size=31", "training.eval_every=0", "training.checkpoint_every=25",
                   "training.eval_batch_size=64", "output.n_samples=4", "output.n_data_points=4",
                   "training.reduce_bucket_kib=1"};
    return o;
  };
  const auto two = run_experiment(vae_options("dp_vae_n.h5"), world);
  if (world.rank() == 0) {
    Communicator self(MPI_COMM_SELF);
    const auto one = run_experiment(vae_options("dp_vae_1.h5"), self);
    CHECK(two.result("test_nll") == Approx(one.result("test_nll")).epsilon(1e-9));
    const double worst = largest_relative_parameter_difference("dp_vae_n.h5", "dp_vae_1.h5");
    INFO("largest relative parameter difference after 50 steps: " << worst);
    CHECK(worst < 1e-9);
    const auto per_n = per_example_log_likelihood("dp_vae_n.h5"), per_1 = per_example_log_likelihood("dp_vae_1.h5");
    REQUIRE(per_n.size() == 30);  // the 10 % test split of 300 images
    REQUIRE(per_1.size() == per_n.size());
    for (std::size_t i = 0; i < per_1.size(); ++i) CHECK(per_n[i] == Approx(per_1[i]).epsilon(1e-9));
    for (const char* f : {"dp_vae_n.h5", "dp_vae_1.h5", "dp_images.idx"}) std::filesystem::remove(f);
  }
  world.barrier();
}

TEST_CASE("data parallel: gradient buckets reduce what one reduce-scatter does, a reused parameter included",
          "[mpi]") {
  Communicator world;
  REQUIRE(world.size() >= 2);
  // Seven parameters of uneven sizes; buckets of at least 64 values, from the last parameter back.
  ParameterStore store;
  std::vector<ParameterId> ids;
  for (std::size_t n : {40, 3, 70, 1, 33, 90, 12}) ids.push_back(store.reserve("p" + std::to_string(ids.size()), {n}, Initializer::zeros()));
  store.allocate();
  GradientBuckets buckets(store, world, 64 * sizeof(Real));
  CHECK(buckets.count() == 3);  // {12 + 90}, {33 + 1 + 70}, {3 + 40}
  const auto [begin, end] = world.shard(store.size());
  const Vector shard("shard", end - begin), expected("expected", end - begin);
  // Rank r's gradient of element k: (r + 1)·(k + 1), changed for one parameter after it was announced.
  // Integers, so every summation order gives the same sums and the shards can be compared exactly.
  auto fill = [&](ParameterId id, Real scale) {
    const Vector g = store.gradient_vector(id);
    const std::size_t offset = store.table()[id].offset;
    const Real r = Real(world.rank() + 1);
    Kokkos::parallel_for("test::fill", RangePolicy(0, g.extent(0)),
                         KOKKOS_LAMBDA(const std::size_t k) { g(k) = scale * r * Real(offset + k + 1); });
  };
  auto reference = [&] {
    Vector copy("copy", store.size());
    Kokkos::deep_copy(copy, store.gradients());
    world.reduce_scatter_sum(copy, expected);
  };
  auto same = [&] {
    auto a = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), shard);
    auto b = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), expected);
    for (std::size_t k = 0; k < a.extent(0); ++k)
      if (a(k) != b(k)) return false;
    return true;
  };
  SECTION("announced out of order, one never announced") {
    buckets.start_step(store.gradients(), shard);
    for (ParameterId id : {ids[5], ids[6], ids[2], ids[4], ids[0], ids[1]}) {  // ids[3] is never announced
      fill(id, 1);
      buckets.ready(id);
    }
    fill(ids[3], 1);
    buckets.finish();
    reference();
    CHECK(same());
    CHECK(buckets.overlapping());
  }
  SECTION("a parameter changed after its bucket left: the final gradients are reduced, then no more overlap") {
    for (ParameterId id : ids) fill(id, 1);
    buckets.start_step(store.gradients(), shard);
    buckets.ready(ids[6]);
    buckets.ready(ids[5]);  // the first bucket leaves here
    fill(ids[6], 2);        // applied a second time
    buckets.ready(ids[6]);
    for (std::size_t k = 0; k < 5; ++k) buckets.ready(ids[k]);
    buckets.finish();
    reference();
    CHECK(same());
    CHECK_FALSE(buckets.overlapping());
    // The next step still reduces correctly, all at the end.
    fill(ids[0], 3);
    buckets.start_step(store.gradients(), shard);
    for (ParameterId id : ids) buckets.ready(id);
    buckets.finish();
    reference();
    CHECK(same());
  }
}
