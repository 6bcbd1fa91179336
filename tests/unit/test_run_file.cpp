// The HDF5 layer and the run file: round trips, atomic commits, resume that
// continues exactly, and refusal to overwrite.
#include "gradient_check.hpp"

#include "core/blas_library.hpp"
#include "core/build_isa.hpp"
#include "core/error.hpp"
#include "core/subnormals.hpp"
#include "model_from_spec.hpp"
#include "problems/evaluation.hpp"
#include "experiment/model_session.hpp"
#include "experiment/runner.hpp"
#include "io/hdf5_file.hpp"
#include "io/run_file.hpp"

#include <filesystem>
#include <fstream>

using namespace tractable;
using namespace tractable::testing;

namespace {
const std::string kQuickstart = std::string(TRACTABLE_SOURCE_DIR) + "/experiments/quickstart.json";

RunOptions small_run(const std::string& out, std::int64_t steps) {
  RunOptions o;
  o.spec_path = kQuickstart;
  o.out = out;
  o.quiet = true;
  o.overrides = {"training.steps=" + std::to_string(steps), "training.checkpoint_every=20", "training.eval_every=0",
                 "training.log_every=10", "training.batch_size=64", "model.repeat=2", "model.hidden=16",
                 "optimizer.schedule.type=constant", "optimizer.schedule.warmup_steps=0", "data.n_train=2000",
                 "data.n_test=500", "output.n_samples=100", "output.density_grid=16"};
  return o;
}
}  // namespace

TEST_CASE("Hdf5File: arrays, strings, attributes and extendible datasets round-trip", "[io]") {
  const std::string path = "roundtrip.h5";
  {
    Hdf5File f(path, Hdf5File::Mode::create_truncate);
    f.write<double>("/a/b/matrix", {1, 2, 3, 4, 5, 6}, {2, 3});
    f.write<float>("/floats", {1.5f}, {1});
    f.write_string("/text", "hello\nworld");
    f.write_strings("/names", {"alpha", "beta"});
    f.append<double>("/grow", {1, 2});
    f.append<double>("/grow", {3});
    f.set_attribute("/a", "s", std::string("value"));
    f.set_attribute("/a", "d", 2.5);
    f.set_attribute("/a", "i", std::int64_t(-7));
  }
  Hdf5File f(path, Hdf5File::Mode::read_only);
  std::vector<std::uint64_t> dims;
  CHECK(f.read<double>("/a/b/matrix", &dims) == std::vector<double>{1, 2, 3, 4, 5, 6});
  CHECK(dims == std::vector<std::uint64_t>{2, 3});
  CHECK(f.read<double>("/floats") == std::vector<double>{1.5});
  CHECK(f.read_string("/text") == "hello\nworld");
  CHECK(f.read_strings("/names") == std::vector<std::string>{"alpha", "beta"});
  CHECK(f.read<double>("/grow") == std::vector<double>{1, 2, 3});
  CHECK(f.string_attribute("/a", "s") == "value");
  CHECK(f.double_attribute("/a", "d") == 2.5);
  CHECK(f.int_attribute("/a", "i") == -7);
  CHECK(f.children("/a") == std::vector<std::string>{"b"});
  CHECK_FALSE(f.exists("/a/c/d"));
  CHECK_THROWS_WITH(f.read<double>("/missing"), Catch::Contains("roundtrip.h5") && Catch::Contains("/missing"));
  CHECK_THROWS_AS(f.read<double>("/text"), IoError);
  std::filesystem::remove(path);
}

TEST_CASE("run file: a run writes spec, provenance, metrics, eval, samples and a checkpoint", "[io][run]") {
  const std::string path = "run_layout.h5";
  std::filesystem::remove(path);
  Communicator comm;
  const auto summary = run_experiment(small_run(path, 40), comm);
  CHECK(summary.steps == 40);
  CHECK(std::isfinite(summary.result("test_nll")));
  CHECK_FALSE(std::filesystem::exists(path + ".partial"));
  Hdf5File f(path, Hdf5File::Mode::read_only);
  CHECK(f.string_attribute("/", "format") == "tractable-run");
  const auto spec = RunFile::read_spec(path);
  CHECK(spec["model"]["hidden"] == 16);
  CHECK(spec["optimizer"]["betas"][0] == 0.9);  // defaults are stored resolved
  CHECK(f.string_attribute("/provenance", "scalar") == "float64");
  CHECK(f.int_attribute("/provenance", "mpi_size") == 1);
  // The subnormal mode asked for and the one kernels and the BLAS were observed in; the BLAS and its kernel.
  CHECK(f.string_attribute("/provenance", "subnormals") == "flush");
  CHECK(f.string_attribute("/provenance", "subnormals_kernels") == observe_subnormal_mode().kernels);
  CHECK(f.string_attribute("/provenance", "subnormals_blas") == observe_subnormal_mode().blas);
  CHECK(f.string_attribute("/provenance", "blas_library") == blas_library().name);
  CHECK(f.string_attribute("/provenance", "blas_kernel") == blas_library().kernel);
  CHECK(f.string_attribute("/provenance", "cpu_isa") == blas_library().cpu_isa);
  CHECK(RunFile::read_provenance(path).at("blas_kernel") == blas_library().kernel);
  // The x86-64 level the binary was compiled for (TRACTABLE_SIMD) and the CPU's own.
  CHECK(f.string_attribute("/provenance", "build_isa") == build_isa());
  CHECK(f.string_attribute("/provenance", "cpu_level") == cpu_isa_level());
  // /model: the quickstart's two affine couplings, their parity-alternating masks and inherited keys.
  const ModelDescription model = RunFile::read_model_description(path);
  CHECK(model.kind == "flow");
  CHECK(model.dim == 2);
  REQUIRE(model.layers.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(model.layers[i].type == "affine_coupling");
    CHECK(model.layers[i].parameter_prefix == "flow." + std::to_string(i));
    CHECK(model.layers[i].config.at("hidden") == 16);
    REQUIRE(model.layers[i].arrays.size() == 1);
    CHECK(model.layers[i].arrays[0].name == "mask");
    CHECK(model.layers[i].arrays[0].shape == std::vector<std::uint64_t>{2});
  }
  CHECK(model.layers[0].arrays[0].values == std::vector<std::int64_t>{1, 0});
  CHECK(model.layers[1].arrays[0].values == std::vector<std::int64_t>{0, 1});
  CHECK(model.base.type == spec["model"]["base"]["type"].get<std::string>());
  CHECK(f.read<std::int64_t>("/metrics/step") == std::vector<std::int64_t>{10, 20, 30, 40});
  CHECK(f.read<double>("/metrics/loss").size() == 4);
  CHECK(f.read<std::int64_t>("/eval/step") == std::vector<std::int64_t>{40});
  CHECK(f.read<double>("/eval/test_nll")[0] == Approx(summary.result("test_nll")));
  CHECK(f.shape("/samples/40") == std::vector<std::uint64_t>{100, 2});
  CHECK(f.shape("/eval/density_grid") == std::vector<std::uint64_t>{16, 16});
  CHECK(f.shape("/data/test_points") == std::vector<std::uint64_t>{500, 2});
  const auto c = RunFile::read_checkpoint(path);
  CHECK(c.step == 40);
  CHECK(c.optimizer_steps == 40);
  CHECK(c.table.front().name == "flow.0.conditioner.linear0.weight");
  CHECK(c.optimizer_state.size() == 2);
  std::filesystem::remove(path);
}

TEST_CASE("run file: an existing run is never overwritten without --force", "[io][run]") {
  const std::string path = "run_exists.h5";
  std::filesystem::remove(path);
  Communicator comm;
  run_experiment(small_run(path, 20), comm);
  const auto before = std::filesystem::file_size(path);
  try {
    run_experiment(small_run(path, 20), comm);
    FAIL("an existing run file was overwritten");
  } catch (const IoError& e) {
    CHECK_THAT(e.what(), Catch::Contains("--resume") && Catch::Contains("--force"));
  }
  CHECK(std::filesystem::file_size(path) == before);
  auto forced = small_run(path, 20);
  forced.force = true;
  CHECK_NOTHROW(run_experiment(forced, comm));
  std::filesystem::remove(path);
}

TEST_CASE("run file: --resume continues to exactly the parameters of an uninterrupted run", "[io][run]") {
  Communicator comm;
  const std::string whole = "run_whole.h5", split = "run_split.h5";
  std::filesystem::remove(whole);
  std::filesystem::remove(split);
  run_experiment(small_run(whole, 60), comm);
  run_experiment(small_run(split, 40), comm);  // "interrupted" after its step-40 checkpoint
  auto resume = small_run(split, 60);
  resume.resume = true;
  run_experiment(resume, comm);
  const auto a = RunFile::read_checkpoint(whole), b = RunFile::read_checkpoint(split);
  REQUIRE(a.parameters.size() == b.parameters.size());
  CHECK(a.parameters == b.parameters);  // bit-identical
  CHECK(a.optimizer_state == b.optimizer_state);
  Hdf5File fa(whole, Hdf5File::Mode::read_only), fb(split, Hdf5File::Mode::read_only);
  CHECK(fa.read<double>("/metrics/loss") == fb.read<double>("/metrics/loss"));
  // Resuming with a different model is refused, naming the key.
  auto changed = small_run(split, 80);
  changed.resume = true;
  changed.overrides.push_back("model.hidden=32");
  CHECK_THROWS_WITH(run_experiment(changed, comm), Catch::Contains("model.hidden"));
  std::filesystem::remove(whole);
  std::filesystem::remove(split);
}

TEST_CASE("run file: corrupt or foreign files are rejected with the path", "[io]") {
  { std::ofstream("garbage.h5") << "not an hdf5 file"; }
  CHECK_THROWS_WITH(RunFile::read_checkpoint("garbage.h5"), Catch::Contains("garbage.h5"));
  {
    Hdf5File f("foreign.h5", Hdf5File::Mode::create_truncate);
    f.write<double>("/x", {1}, {1});
  }
  CHECK_THROWS_WITH(RunFile::read_spec("foreign.h5"), Catch::Contains("not a Tractable run file"));
  CHECK_THROWS_AS(RunFile::read_checkpoint("absent.h5"), IoError);
  // A run file whose stored spec lacks a section (found by fuzzing): a named I/O error, not a crash.
  {
    Hdf5File f("partial_spec.h5", Hdf5File::Mode::create_truncate);
    f.set_attribute("/", "format", std::string("tractable-run"));
    f.set_attribute("/", "format_version", std::int64_t(1));
    f.write_string("/spec", R"({"model": {"hidden": 8, "repeat": 1}, "training": "soon"})");
    f.create_group("/data");
    f.set_attribute("/data", "dim", std::int64_t(2));
  }
  CHECK_THROWS_AS(load_model_session("partial_spec.h5"), IoError);
  CHECK_THROWS_WITH(load_model_session("partial_spec.h5"),
                    Catch::Contains("partial_spec.h5:/spec") && Catch::Contains("training") &&
                        Catch::Contains("not a valid spec"));
  std::filesystem::remove("garbage.h5");
  std::filesystem::remove("foreign.h5");
  std::filesystem::remove("partial_spec.h5");
}

TEST_CASE("run file: BatchNorm running statistics are checkpointed, so eval reproduces the run's test NLL", "[io][run]") {
  const std::string path = "run_batchnorm.h5";
  auto o = small_run(path, 40);
  o.force = true;
  o.overrides.push_back(R"(model.layers=[{"type":"affine_coupling"},{"type":"batchnorm"}])");
  Communicator comm;
  const auto summary = run_experiment(o, comm);
  const auto c = RunFile::read_checkpoint(path);
  REQUIRE(c.buffer_table.size() == 4);  // 2 layers x (running_mean, running_var)
  CHECK(c.buffer_table[0].name == "flow.1.running_mean");
  auto session = load_model_session(path);
  DataContext none;
  const Dataset data = session->spec.data->load(none);
  const auto r = evaluate_nll(*session->flow, data.test, 4096, comm);
  CHECK(r.nll == Approx(summary.result("test_nll")).epsilon(1e-12));
  std::filesystem::remove(path);
}

TEST_CASE("hdf5: a file whose directory is gone is refused naming that cause", "[io]") {
  const std::string dir = "gone_directory_test";
  std::filesystem::remove_all(dir);
  // The directory of a running job removed under it: whichever open or create meets it says so (exit 5).
  for (auto mode : {Hdf5File::Mode::create_exclusive, Hdf5File::Mode::create_truncate}) {
    try {
      Hdf5File f(dir + "/q.h5", mode);
      FAIL("created a file in a missing directory");
    } catch (const IoError& e) {
      CHECK_THAT(e.what(), Catch::Contains("gone_directory_test/q.h5") &&
                               Catch::Contains("no such file or directory (was the directory removed?)"));
      CHECK(e.code() == ExitCode::io);
    }
  }
}
