// Sweeps: expansion against hand-enumerated products, ids that are the
// spec's hash (stable, order-independent), seeded random axes, every class of
// bad sweep input with its JSON path, names and sbatch values that could
// inject shell code, shell quoting checked by bash itself, the rendered array
// script, and the summary table written and read back.
#include <catch2/catch.hpp>

#include "documentation.hpp"
#include "core/error.hpp"
#include "experiment/run_spec.hpp"
#include "experiment/spec.hpp"
#include "io/hdf5_file.hpp"
#include "core/process.hpp"
#include "sweep/run_id.hpp"
#include "core/safe_text.hpp"
#include "sweep/slurm_array.hpp"
#include "sweep/sweep_spec.hpp"
#include "sweep/sweep_summary.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <unistd.h>

using namespace tractable;
using nlohmann::json;

namespace {

const json kBase = {{"name", "tiny"}, {"training", {{"steps", 10}, {"seed", 5}}}};

SweepSpec sweep_of(json document) { return parse_sweep_spec(document, "sweep.json", ""); }

std::string error_of(json document) {
  try {
    expand_sweep(sweep_of(std::move(document)));
  } catch (const SpecError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("sweep: grid x zip x repeats expands to the full product, last axis fastest", "[sweep]") {
  const auto runs = expand_sweep(sweep_of({{"sweep", "s"},
                                           {"base", kBase},
                                           {"grid", {{"optimizer.lr", {0.001, 0.01}}, {"model.hidden", {16, 32, 64}}}},
                                           {"zip", {{"model.depth", {1, 2}}, {"training.batch_size", {32, 64}}}},
                                           {"repeats", 2}}));
  REQUIRE(runs.size() == 2 * 3 * 2 * 2);
  // Hand enumeration in the documented order: grid keys sorted (model.hidden, optimizer.lr), zip, seeds.
  std::size_t i = 0;
  for (int hidden : {16, 32, 64})
    for (double lr : {0.001, 0.01})
      for (int z = 0; z < 2; ++z)
        for (int seed : {5, 6}) {
          const auto& r = runs[i];
          CHECK(r.index == i);
          CHECK(r.spec["model"]["hidden"] == hidden);
          CHECK(r.spec["optimizer"]["lr"] == lr);
          CHECK(r.spec["model"]["depth"] == (z == 0 ? 1 : 2));
          CHECK(r.spec["training"]["batch_size"] == (z == 0 ? 32 : 64));
          CHECK(r.spec["training"]["seed"] == seed);
          CHECK(r.axes["training.seed"] == seed);
          CHECK(r.spec["output"]["path"] == "");
          CHECK(r.spec["training"]["steps"] == 10);  // the base
          ++i;
        }
  std::set<std::string> ids;
  for (const auto& r : runs) ids.insert(r.id);
  CHECK(ids.size() == runs.size());
}

TEST_CASE("sweep: a run's id is the hash of its resolved spec, whatever its index", "[sweep]") {
  const auto small = expand_sweep(sweep_of({{"sweep", "s"}, {"base", kBase}, {"grid", {{"optimizer.lr", {0.001, 0.01}}}}}));
  // Extending an axis shifts no existing run's identity, so a resubmitted sweep skips what is finished.
  const auto extended =
      expand_sweep(sweep_of({{"sweep", "s"}, {"base", kBase}, {"grid", {{"optimizer.lr", {0.0001, 0.001, 0.01}}}}}));
  CHECK(extended[1].id == small[0].id);
  CHECK(extended[2].id == small[1].id);
  // The id is exactly run_id of the resolved spec: the same run written as a plain spec has the same id.
  json plain = kBase;
  plain["optimizer"]["lr"] = 0.01;
  json resolved = resolve_spec_json(plain, {}, "plain.json");
  resolved["output"]["path"] = "";
  CHECK(run_id(resolved) == small[1].id);
  CHECK(small[0].id.size() == 16);
  CHECK(small[0].id.find_first_not_of("0123456789abcdef") == std::string::npos);
  // Known SHA-256 prefix of a fixed document (sha256sum of '{"a":1}' is 015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862).
  CHECK(run_id(json{{"a", 1}}) == "015abd7f5cc57a2d");
}

TEST_CASE("sweep: random axes are seeded, within their ranges and of the right kinds", "[sweep]") {
  const json document = {{"sweep", "r"},
                         {"base", kBase},
                         {"random",
                          {{"count", 200},
                           {"seed", 3},
                           {"axes",
                            {{"optimizer.lr", {{"log_uniform", {1e-4, 1e-2}}}},
                             {"model.hidden", {{"choice", {16, 32, 64}}}},
                             {"model.depth", {{"int_uniform", {1, 3}}}},
                             {"optimizer.clip_grad_norm", {{"uniform", {1.0, 5.0}}}}}}}}};
  const auto a = expand_sweep(sweep_of(document));
  const auto b = expand_sweep(sweep_of(document));
  REQUIRE(a.size() == 200);
  std::set<int> hidden, depth;
  double log_lr_sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].id == b[i].id);  // deterministic
    const double lr = a[i].spec["optimizer"]["lr"];
    CHECK(lr >= 1e-4);
    CHECK(lr <= 1e-2);
    log_lr_sum += std::log10(lr);
    hidden.insert(a[i].spec["model"]["hidden"].get<int>());
    depth.insert(a[i].spec["model"]["depth"].get<int>());
    const double clip = a[i].spec["optimizer"]["clip_grad_norm"];
    CHECK(clip >= 1.0);
    CHECK(clip <= 5.0);
  }
  CHECK(hidden == std::set<int>{16, 32, 64});
  CHECK(depth == std::set<int>{1, 2, 3});
  // log-uniform: the mean of log10(lr) is -3 (sd of the mean 0.577/sqrt(200) = 0.04).
  CHECK(std::abs(log_lr_sum / 200 + 3) < 0.2);
  json other = document;
  other["random"]["seed"] = 4;
  CHECK(expand_sweep(sweep_of(other))[0].id != a[0].id);
}

TEST_CASE("sweep: bad sweep files are rejected with their JSON path", "[sweep]") {
  const json ok = {{"sweep", "s"}, {"base", kBase}};
  auto with = [&](const std::string& key, json value) {
    json d = ok;
    d[key] = std::move(value);
    return error_of(d);
  };
  CHECK_THAT(with("gird", json::object()), Catch::Contains("gird: unknown key") && Catch::Contains("did you mean 'grid'"));
  CHECK_THAT(with("grid", {{"optimizer.lr", json::array()}}), Catch::Contains("grid.optimizer.lr: must be a non-empty array"));
  CHECK_THAT(with("grid", {{"optimizer.lrr", {1}}}), Catch::Contains("optimizer.lrr"));
  CHECK_THAT(with("grid", {{"optimizer.lr", {-1.0}}}), Catch::Contains("optimizer.lr"));
  CHECK_THAT(with("grid", {{"output.path", {"/etc/x.h5"}}}), Catch::Contains("'output.path' is set by the sweep"));
  CHECK_THAT(with("set", {{"output.path", "x.h5"}}), Catch::Contains("set.output.path"));
  CHECK_THAT(with("zip", {{"model.depth", {1, 2}}, {"model.hidden", {8}}}), Catch::Contains("zip.model.hidden: has 1 values"));
  CHECK_THAT(with("random", {{"count", 2}, {"axes", {{"optimizer.lr", {{"gauss", {0, 1}}}}}}}),
             Catch::Contains("random.axes.optimizer.lr.gauss: unknown distribution"));
  CHECK_THAT(with("random", {{"count", 2}, {"axes", {{"optimizer.lr", {{"log_uniform", {0, 1}}}}}}}),
             Catch::Contains("log_uniform needs 0 < low"));
  CHECK_THAT(with("random", {{"axes", {{"optimizer.lr", {{"uniform", {0, 1}}}}}}}), Catch::Contains("random.count: required"));
  CHECK_THAT(with("repeats", 0), Catch::Contains("repeats: must be an integer >= 1"));
  CHECK_THAT(with("repeats", 28888888000LL), Catch::Contains("repeats: at most 100000"));
  CHECK_THAT(with("ranks", "two"), Catch::Contains("ranks: must be an integer"));
  CHECK_THAT(with("slurm", {{"partiton", "x"}}), Catch::Contains("slurm.partiton: unknown key"));
  CHECK_THAT(with("slurm", {{"launcher", "ssh"}}), Catch::Contains("slurm.launcher"));
  CHECK_THAT(with("grid", {{"training.seed", {1, 1}}}), Catch::Contains("resolves to the same spec as run 0"));
  CHECK_THAT(with("set", {{"training=1E400#c.steps", 9}}), Catch::Contains("a key cannot contain '='"));
  CHECK_THAT(with("grid", {{"a=b", {1}}}), Catch::Contains("grid.a=b: a key cannot contain '='"));
  json twice = ok;
  twice["grid"] = {{"optimizer.lr", {0.1}}};
  twice["set"] = {{"optimizer.lr", 0.2}};
  CHECK_THAT(error_of(twice), Catch::Contains("set.optimizer.lr: also swept"));
  json both = ok;
  both["repeats"] = 2;
  both["seeds"] = {1, 2};
  CHECK_THAT(error_of(both), Catch::Contains("not both"));
  json no_base = {{"sweep", "s"}};
  CHECK_THAT(error_of(no_base), Catch::Contains("base: required"));
  CHECK_THAT(error_of({{"sweep", "s"}, {"base", "does/not/exist.json"}}), Catch::Contains("does/not/exist.json"));
  // Every message names the file.
  CHECK_THAT(with("ranks", 0), Catch::StartsWith("sweep.json: "));
}

TEST_CASE("sweep: names that could escape a directory or reach a shell are refused", "[sweep]") {
  for (const std::string& bad : std::vector<std::string>{"$(touch /tmp/x)", "`touch /tmp/x`", "a'b", "a\"b", "a\nb", "../../x", "a/b", "", " x",
                                "-rf", std::string(65, 'a'), "a b", "x;y"}) {
    INFO(bad);
    CHECK_THROWS_AS(check_name(bad, "name"), SpecError);
    CHECK_THAT(error_of({{"sweep", bad}, {"base", kBase}}), Catch::Contains("sweep: '"));
    CHECK_THAT(error_of({{"sweep", "s"}, {"base", kBase}, {"grid", {{"name", {"ok", bad}}}}}),
               Catch::Contains("is not a valid name"));
    CHECK_THROWS_AS(resolve_spec_json({{"name", bad}}, {}, "spec.json"), SpecError);
  }
  for (const std::string& good : std::vector<std::string>{"a", "run-1", "IWAE_k5.v2", std::string(64, 'z')}) CHECK_NOTHROW(check_name(good, "name"));
  // The message shows control characters escaped.
  CHECK_THAT(error_of({{"sweep", "a\nb"}, {"base", kBase}}), Catch::Contains("a\\x0ab"));
}

TEST_CASE("sweep: sbatch values are confined to what Slurm needs", "[sweep]") {
  for (const std::string bad : {"gpu\n#SBATCH --wrap=x", "$(id)", "a b", "a;b", "`id`", "p'q"}) {
    INFO(bad);
    CHECK_THROWS_AS(check_sbatch_value(bad, SbatchValue::word, "slurm.partition"), SpecError);
    CHECK_THROWS_AS(check_sbatch_value(bad, SbatchValue::constraint, "slurm.constraint"), SpecError);
    CHECK_THAT(error_of({{"sweep", "s"}, {"base", kBase}, {"slurm", {{"partition", bad}}}}),
               Catch::Contains("slurm.partition"));
  }
  CHECK_NOTHROW(check_sbatch_value("gpu-a100", SbatchValue::word, "p"));
  CHECK_NOTHROW(check_sbatch_value("1-12:00:00", SbatchValue::time, "t"));
  CHECK_THROWS_AS(check_sbatch_value("1h", SbatchValue::time, "t"), SpecError);
  CHECK_NOTHROW(check_sbatch_value("(a100|h100)&ib", SbatchValue::constraint, "c"));
  CHECK_NOTHROW(check_sbatch_value("--mem=4G", SbatchValue::option, "x"));
  CHECK_NOTHROW(check_sbatch_value("--gres=gpu:1", SbatchValue::option, "x"));
  CHECK_NOTHROW(check_sbatch_value("--exclusive", SbatchValue::option, "x"));
  for (const std::string bad : {"-p x", "--mem=4G\necho", "--wrap=$(id)", "mem=4G", "--", "--output='x'", "--a b",
                                "---xclusive", "--Mem=4G", "--1=2", "--mem="})
    CHECK_THROWS_AS(check_sbatch_value(bad, SbatchValue::option, "x"), SpecError);
}

TEST_CASE("sweep: shell_quote survives bash unchanged for hostile strings", "[sweep]") {
  // Ground truth: bash itself echoes the quoted word back, byte for byte, and creates no file.
  const std::string marker = "/tmp/tractable-quote-test-" + std::to_string(::getpid());
  for (const std::string& text : std::vector<std::string>{std::string("plain"), std::string("a b"), "it's", "$(touch " + marker + ")",
                                 "`touch " + marker + "`", std::string("\"$HOME\""), std::string("new\nline"),
                                 std::string("''"), std::string("\\'\\"), std::string("*?[x]"), std::string("-n")}) {
    INFO(text);
    const CommandOutput out = run_captured({"bash", "-c", "printf '%s' " + shell_quote(text)});
    CHECK(out.exit_code == 0);
    CHECK(out.out == text);
  }
  CHECK_FALSE(std::filesystem::exists(marker));
}

TEST_CASE("sweep: the array script carries the options, the ids and quoted paths", "[sweep]") {
  SlurmSettings slurm;
  slurm.partition = "debug";
  slurm.time = "00:10:00";
  slurm.max_concurrent = 3;
  slurm.extra = {"--mem=1G"};
  const SweepDirectory dir("/tmp/it's a $(dir)");
  const std::string script =
      render_array_script(default_array_template(), "demo", dir, {"00ff", "a1b2", "c3d4"}, slurm, 2, "/opt/t r/tractable");
  CHECK_THAT(script, Catch::Contains("#SBATCH --array=0-2%3\n"));
  CHECK_THAT(script, Catch::Contains("#SBATCH --partition=debug\n"));
  CHECK_THAT(script, Catch::Contains("#SBATCH --time=00:10:00\n"));
  CHECK_THAT(script, Catch::Contains("#SBATCH --mem=1G\n"));
  CHECK_THAT(script, Catch::Contains("#SBATCH --requeue\n"));
  CHECK_THAT(script, Catch::Contains("#SBATCH --signal=B:USR1@120\n"));
  CHECK_THAT(script, Catch::Contains("#SBATCH --output=logs/%A_%a.log\n"));
  CHECK_THAT(script, Catch::Contains("run_ids=(00ff a1b2 c3d4)"));
  CHECK_THAT(script, Catch::Contains("cd '/tmp/it'\\''s a $(dir)'"));
  CHECK_THAT(script, Catch::Contains("srun --mpi=pmix --ntasks=2 '/opt/t r/tractable' run"));
  CHECK(script.find("{{") == std::string::npos);
  // bash parses it (syntax only).
  const std::string path = "/tmp/tractable-array-test-" + std::to_string(::getpid()) + ".sh";
  std::ofstream(path) << script;
  CHECK(run_captured({"bash", "-n", path}).exit_code == 0);
  std::filesystem::remove(path);
  // A hostile value that slipped past the spec checks is still refused here.
  slurm.partition = "x\necho pwned";
  CHECK_THROWS_AS(render_array_script(default_array_template(), "demo", dir, {"00ff"}, slurm, 1, "/t"), SpecError);
}

TEST_CASE("sweep: the summary table round-trips through CSV and HDF5", "[sweep]") {
  const json manifest = {{"axes", {"optimizer.lr", "model.layers"}},
                         {"runs", json::array()}};
  RunStatus done;
  done.index = 0;
  done.id = "aa";
  done.axes = {{"optimizer.lr", 0.001}, {"model.layers", {{"type", "x,y"}}}};
  done.state = RunState::done;
  RunProgress p;
  p.step = p.total_steps = 100;
  p.finished = true;
  p.final_eval = {{"test_nll", 2.5}};
  p.last_metrics = {{"loss", 2.4}, {"wall_time", 3.0}};
  p.data_rows = "{\"test\":\"ab\"}";
  done.progress = p;
  RunStatus pending;
  pending.index = 1;
  pending.id = "bb";
  pending.axes = {{"optimizer.lr", 0.01}, {"model.layers", 2}};
  const SummaryTable table = summarise_sweep(manifest, {done, pending});
  REQUIRE(table.columns == std::vector<std::string>{"index", "id", "state", "step", "total_steps", "optimizer.lr",
                                                    "model.layers", "eval.test_nll", "metrics.loss", "metrics.wall_time",
                                                    "data.files_sha256", "data.rows_sha256"});
  const std::string dir = std::filesystem::temp_directory_path() / ("tractable-summary-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  write_summary_csv(table, dir + "/summary.csv");
  std::ifstream in(dir + "/summary.csv");
  std::string header, row0, row1;
  std::getline(in, header);
  std::getline(in, row0);
  std::getline(in, row1);
  CHECK(header == "index,id,state,step,total_steps,optimizer.lr,model.layers,eval.test_nll,metrics.loss,metrics.wall_time,"
                  "data.files_sha256,data.rows_sha256");
  CHECK(row0 == "0,aa,done,100,100,0.001,\"{\"\"type\"\":\"\"x,y\"\"}\",2.5,2.4,3,,\"{\"\"test\"\":\"\"ab\"\"}\"");
  CHECK(row1 == "1,bb,pending,,,0.01,2,,,,,");
  write_summary_hdf5(table, dir + "/summary.h5");
  Hdf5File file(dir + "/summary.h5", Hdf5File::Mode::read_only);
  CHECK(file.read_strings("/summary/columns") == table.columns);
  const auto nll = file.read<double>("/summary/eval.test_nll");
  REQUIRE(nll.size() == 2);
  CHECK(nll[0] == 2.5);
  CHECK(std::isnan(nll[1]));
  CHECK(file.read_strings("/summary/state") == std::vector<std::string>{"done", "pending"});
  CHECK(file.read_strings("/summary/model.layers") == std::vector<std::string>{"{\"type\":\"x,y\"}", "2"});
  std::filesystem::remove_all(dir);
}

TEST_CASE("sweep: every sweep-file key is documented in docs/", "[sweep]") {
  const std::string documentation = tractable::testing::read_all_documentation();
  REQUIRE(!documentation.empty());
  for (const auto& key : sweep_file_keys()) {
    INFO("no page of docs/ mentions `" << key << "`");
    CHECK(documentation.find("`" + key + "`") != std::string::npos);
  }
}
