// The Python module: `import tractable; m = tractable.load("run.h5")`. It runs
// the same C++ as the CLI (the fp32 library), so m.log_prob(x) equals
// `tractable log-prob` and m.sample(n, seed=s) equals `tractable sample` to the
// last bit for the same inputs, seed and batch. MPI (a one-rank singleton) and
// Kokkos start at import and stop at interpreter exit. Errors keep the CLI's
// messages: bad input is a ValueError, a file problem an OSError, anything
// else a RuntimeError.
#include "core/build_isa.hpp"
#include "core/error.hpp"
#include "core/subnormals.hpp"
#include "data/dataset.hpp"
#include "experiment/model_compression.hpp"
#include "experiment/model_queries.hpp"
#include "experiment/posterior_diagnosis.hpp"
#include "experiment/run_spec.hpp"
#include "experiment/run_verification.hpp"
#include "experiment/runner.hpp"
#include "experiment/spec.hpp"
#include "parallel/runtime.hpp"
#include "problems/evaluation.hpp"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <vector>

namespace py = pybind11;
using namespace tractable;

namespace {

// One runtime per process; the models still alive at exit release their
// device memory before Kokkos stops.
struct ModuleRuntime {
  std::unique_ptr<Runtime> runtime;
  std::vector<std::weak_ptr<std::unique_ptr<ModelSession>>> sessions;
};
ModuleRuntime& module_runtime() {
  static ModuleRuntime r;
  return r;
}

class Model {
 public:
  Model(const std::string& path, bool last) : path_(path) {
    const SubnormalMode interpreter = thread_subnormal_mode();  // loading sets the run's mode; give it back
    try {
      session_ = std::make_shared<std::unique_ptr<ModelSession>>(load_model_session(path, last));
    } catch (...) {
      set_thread_subnormal_mode(interpreter);
      throw;
    }
    set_thread_subnormal_mode(interpreter);
    module_runtime().sessions.push_back(session_);
  }

  ModelSession& session() const {
    if (!*session_) throw std::runtime_error("tractable: the runtime has stopped");
    return **session_;
  }
  // The run's training.subnormals for the length of one call, as the CLI computes.
  SubnormalMode mode() const { return session().spec.subnormals; }
  std::size_t dim() const { return session().dim; }
  std::string kind() const { return session().spec.model.family; }
  std::string checkpoint() const { return session().checkpoint; }
  std::int64_t checkpoint_step() const { return session().checkpoint_step; }
  const std::string& path() const { return path_; }
  std::string spec_text() const { return session().spec.document.dump(); }

  // Copies of every parameter (and buffer), float32, shaped as in the run file's /checkpoint.
  py::dict parameters() const {
    const ParameterStore& store = session().store;
    py::dict out;
    auto add = [&](const std::vector<ParameterInfo>& table, const Vector& flat) {
      const auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), flat);
      for (const auto& p : table) {
        std::vector<py::ssize_t> shape(p.shape.begin(), p.shape.end());
        py::array_t<Real> a(shape);
        std::copy(host.data() + p.offset, host.data() + p.offset + p.size(), a.mutable_data());
        out[py::str(p.name)] = a;
      }
    };
    add(store.table(), store.values());
    if (store.buffer_size() > 0) add(store.buffer_table(), store.buffers());
    return out;
  }

  HostMatrix rows(const py::array_t<double, py::array::c_style | py::array::forcecast>& x, std::size_t width,
                  const std::string& what) const {
    if (x.ndim() != 2 || std::size_t(x.shape(1)) != width)
      throw DataError(what + ": expected an array of shape [N, " + std::to_string(width) + "], got " +
                      (x.ndim() == 2 ? "[" + std::to_string(x.shape(0)) + ", " + std::to_string(x.shape(1)) + "]"
                                     : std::to_string(x.ndim()) + " dimension(s)"));
    HostMatrix m("tractable::python::rows", std::size_t(x.shape(0)), width);
    const double* data = x.data();
    for (std::size_t i = 0; i < m.extent(0); ++i)
      for (std::size_t j = 0; j < width; ++j) m(i, j) = Real(data[i * width + j]);
    return m;
  }

  using ArrayArgument = py::array_t<double, py::array::c_style | py::array::forcecast>;

  // A conditional flow's contexts [N, C] (refused by an unconditional model, required by a conditional one).
  std::optional<HostMatrix> contexts(const std::optional<ArrayArgument>& context, const std::string& what) const {
    ModelSession& s = session();
    std::optional<HostMatrix> c;
    if (context) c = rows(*context, s.context_dim ? s.context_dim : std::size_t(context->ndim() == 2 ? context->shape(1) : 0), what);
    check_contexts(s, c ? &*c : nullptr, what, "context");
    return c;
  }

  py::array_t<double> log_prob(const ArrayArgument& x, std::size_t k, std::size_t batch,
                               const std::optional<ArrayArgument>& context) const {
    ModelSession& s = session();
    const ScopedSubnormalMode scope(mode());
    const HostMatrix points = rows(x, s.dim, "log_prob(x)");
    check_data_rows(s, points, "log_prob(x)");
    const auto c = contexts(context, "log_prob(context)");
    const std::vector<double> values =
        log_prob_of_rows(s, rows_with_context(points, c ? &*c : nullptr, "log_prob(x)", "log_prob(context)"), k, batch,
                         single_rank())
            .log_prob;
    py::array_t<double> out(py::ssize_t(values.size()));
    std::copy(values.begin(), values.end(), out.mutable_data());
    return out;
  }

  // Flows: x = f^{-1}(z), z ~ N(0, I) from (seed, rank 0, the sampling stream); VAEs: decoder means at z ~ N(0, I).
  py::object sample(std::size_t n, std::uint64_t seed, std::size_t batch, const std::optional<ArrayArgument>& context,
                    bool with_log_prob) const {
    ModelSession& s = session();
    const ScopedSubnormalMode scope(mode());
    const auto c = contexts(context, "sample(context)");
    if (c) {
      // As `tractable sample -n N --context C --seed S` on one rank: [R, n, D] and log q(x | c) [R, n].
      const std::size_t R = c->extent(0);
      RandomStream stream(seed, 0, Stream::sample);
      const ContextSamples drawn = sample_at_contexts(*s.flow, stream, *c, n, 0, R * n, batch);
      py::array_t<Real> samples({py::ssize_t(R), py::ssize_t(n), py::ssize_t(s.dim)});
      std::copy(drawn.samples.data(), drawn.samples.data() + R * n * s.dim, samples.mutable_data());
      if (!with_log_prob) return std::move(samples);
      py::array_t<double> log_q({py::ssize_t(R), py::ssize_t(n)});
      std::copy(drawn.log_q.begin(), drawn.log_q.end(), log_q.mutable_data());
      return py::make_tuple(samples, log_q);
    }
    if (with_log_prob) throw UsageError("sample(log_prob=True) needs a context (a conditional flow)");
    RandomStream stream(seed, 0, Stream::sample);
    const HostMatrix m = s.vae ? s.vae->sample_means(stream, n) : draw_samples(*s.flow, stream, n, batch);
    return std::move(matrix_to_numpy(m));
  }

  // Conditional flows trained on a simulator: as `tractable diagnose --simulations N --draws L --seed S` on one rank.
  py::dict diagnose(std::size_t simulations, std::size_t draws, std::uint64_t seed) const {
    ModelSession& s = session();
    const ScopedSubnormalMode scope(mode());
    const PosteriorDiagnosis d = diagnose_posterior(s, path_, simulations, draws, seed, single_rank());
    auto array = [](const std::vector<double>& v, std::vector<py::ssize_t> shape) {
      py::array_t<double> a(shape);
      std::copy(v.begin(), v.end(), a.mutable_data());
      return a;
    };
    const auto N = py::ssize_t(d.simulations), D = py::ssize_t(d.dim), C = py::ssize_t(d.context_dim),
               K = py::ssize_t(d.levels.size());
    py::dict out;
    out["simulator"] = d.simulator;
    out["draws"] = d.draws;
    out["leakage"] = d.leakage;
    out["left_out"] = d.left_out;
    out["parameters"] = array(d.parameters, {N, D});
    out["observations"] = array(d.observations, {N, C});
    out["sbc_ranks"] = array(d.sbc_ranks, {N, D});
    out["sbc_p_values"] = array(d.sbc_p_values, {D});
    out["levels"] = array(d.levels, {K});
    out["hdr_fraction"] = array(d.hdr_fraction, {N});
    out["hdr_coverage"] = array(d.hdr_coverage, {K});
    out["tarp_fraction"] = array(d.tarp_fraction, {N});
    out["tarp_coverage"] = array(d.tarp_coverage, {K});
    return out;
  }

  // VAEs: q(z|x)'s mean and log-variance per row.
  py::tuple encode(const py::array_t<double, py::array::c_style | py::array::forcecast>& x) const {
    ModelSession& s = session();
    if (!s.vae) throw UsageError("encode: " + path_ + " trained a flow, not a VAE");
    const ScopedSubnormalMode scope(mode());
    const HostMatrix points = rows(x, s.dim, "encode(x)");
    check_data_rows(s, points, "encode(x)");
    const auto [mean, log_variance] = encode_rows(*s.vae, points);
    return py::make_tuple(matrix_to_numpy(mean), matrix_to_numpy(log_variance));
  }

  // VAEs: the decoder means E[x|z] for latent rows z [N, L].
  py::array_t<Real> decode(const py::array_t<double, py::array::c_style | py::array::forcecast>& z) const {
    ModelSession& s = session();
    if (!s.vae) throw UsageError("decode: " + path_ + " trained a flow, not a VAE");
    const ScopedSubnormalMode scope(mode());
    const HostMatrix points = rows(z, s.vae->latent(), "decode(z)");
    check_finite(points, "decode(z)");
    return matrix_to_numpy(decode_rows(*s.vae, points));
  }

  // VAEs: binary images [N, D] -> the bytes `tractable compress` writes for them (bits-back coding).
  py::bytes compress(const py::array_t<double, py::array::c_style | py::array::forcecast>& x, unsigned latent_bits,
                     std::size_t lanes, std::uint64_t seed) const {
    ModelSession& s = session();
    check_compressible(s, path_);
    const ScopedSubnormalMode scope(mode());
    const HostMatrix images = rows(x, s.dim, "compress(x)");
    check_binary_rows(images, "compress(x)");
    BitsBackSettings settings;
    settings.latent_bits = latent_bits;
    settings.lanes = lanes;
    settings.seed = seed;
    return py::bytes(compress_rows(s, images, settings));
  }

  // The inverse: uint8 [N, D].
  py::array_t<std::uint8_t> decompress(const py::bytes& data) const {
    ModelSession& s = session();
    check_compressible(s, path_);
    const ScopedSubnormalMode scope(mode());
    const HostMatrix images = decompress_bytes(s, parse_compressed(std::string(data), "decompress(data)"), "decompress(data)");
    py::array_t<std::uint8_t> out({py::ssize_t(images.extent(0)), py::ssize_t(images.extent(1))});
    std::uint8_t* p = out.mutable_data();
    for (std::size_t i = 0; i < images.extent(0) * images.extent(1); ++i) p[i] = images.data()[i] > 0.5 ? 1 : 0;
    return out;
  }

  static py::array_t<Real> matrix_to_numpy(const HostMatrix& m) {
    py::array_t<Real> out({py::ssize_t(m.extent(0)), py::ssize_t(m.extent(1))});
    Real* data = out.mutable_data();
    for (std::size_t i = 0; i < m.extent(0); ++i)
      for (std::size_t j = 0; j < m.extent(1); ++j) data[i * m.extent(1) + j] = m(i, j);
    return out;
  }

 private:
  std::string path_;
  std::shared_ptr<std::unique_ptr<ModelSession>> session_;
};

void stop_runtime() {
  ModuleRuntime& r = module_runtime();
  for (auto& weak : r.sessions)
    if (auto s = weak.lock()) s->reset();  // device memory goes before Kokkos stops
  r.sessions.clear();
  r.runtime.reset();
}

}  // namespace

// A spec given as a dict (anything json.dumps takes) or a path; `origin` names it in errors.
nlohmann::json spec_argument(const py::object& spec, std::string& origin) {
  if (py::isinstance<py::str>(spec) || py::hasattr(spec, "__fspath__")) {
    origin = py::str(py::module_::import("os").attr("fspath")(spec));
    return read_json_file(origin);
  }
  origin = "spec (a dict)";
  return nlohmann::json::parse(std::string(py::str(py::module_::import("json").attr("dumps")(spec))));
}

// `set={"training.steps": 100}` and keyword arguments training__steps=100 ("__" for "."), as `--set` takes
// them: each value as JSON.
std::vector<std::string> override_arguments(const py::object& set, const py::kwargs& kwargs) {
  std::vector<std::string> out;
  const py::object dumps = py::module_::import("json").attr("dumps");
  auto add = [&](std::string key, const py::handle& value) {
    for (std::size_t at = key.find("__"); at != std::string::npos; at = key.find("__", at + 1)) key.replace(at, 2, ".");
    out.push_back(key + "=" + std::string(py::str(dumps(value))));
  };
  if (!set.is_none())
    for (const auto& [key, value] : set.cast<py::dict>()) add(std::string(py::str(key)), value);
  for (const auto& [key, value] : kwargs) add(std::string(py::str(key)), value);
  return out;
}

// tractable.run's progress argument as a listener: a callable gets (step, total, loss, steps/s); True a tqdm
// bar when tqdm is installed (else the CLI's lines). Either way Ctrl-C stops the run at the next report, the
// last checkpoint kept.
Progress::Listener progress_listener(const py::object& progress, bool& print_lines, std::shared_ptr<py::object> bar) {
  auto stop_on_interrupt = [] {
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  };
  const Progress::Listener quiet = [stop_on_interrupt](std::int64_t, std::int64_t, double, double) {
    stop_on_interrupt();
  };
  print_lines = false;
  if (progress.is_none() || (py::isinstance<py::bool_>(progress) && !progress.cast<bool>())) return quiet;
  if (!py::isinstance<py::bool_>(progress))
    return [progress, stop_on_interrupt](std::int64_t step, std::int64_t total, double loss, double rate) {
      stop_on_interrupt();
      progress(step, total, loss, rate);
    };
  py::object tqdm;
  try {
    tqdm = py::module_::import("tqdm").attr("tqdm");
  } catch (const py::error_already_set&) {
    print_lines = true;  // no tqdm: the CLI's progress lines
    return quiet;
  }
  return [tqdm, bar, stop_on_interrupt, shown = std::make_shared<std::int64_t>(0)](std::int64_t step, std::int64_t total,
                                                                                 double loss, double) {
    stop_on_interrupt();
    if (!*bar) *bar = tqdm(py::arg("total") = total, py::arg("unit") = "step");
    bar->attr("update")(step - *shown);
    bar->attr("set_postfix")(py::arg("loss") = loss);
    *shown = step;
  };
}

void register_errors(py::module_& m) {
  // The CLI's error classes, mapped to Python's: bad input -> ValueError, files -> OSError; a run file
  // that fails its checksums -> tractable.CorruptionError, an OSError (exit code 9 of the CLI).
  static py::exception<CorruptionError> corruption_error(m, "CorruptionError", PyExc_OSError);
  // data.slurm: the simulations are with a Slurm array (exit code 11 of the CLI); call again when it has finished.
  static py::exception<Error> simulations_pending(m, "SimulationsPending", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const CorruptionError& e) {
      corruption_error(e.what());
    } catch (const IoError& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    } catch (const DataError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const SpecError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const UsageError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const Error& e) {
      if (e.code() == ExitCode::simulations_pending)
        simulations_pending(e.what());
      else
        PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });
}

PYBIND11_MODULE(tractable, m) {
  // A module compiled for a wider x86-64 level than this CPU has: an ImportError, not SIGILL later.
  if (const char* refusal = build_isa_refusal(cpu_isa_level())) throw pybind11::import_error(refusal);
  m.doc() = "Tractable's trained models from Python: the same C++ as the tractable command (docs/how-to/use-a-trained-model.md)";
  {
    static int argc = 1;
    static char name[] = "python";
    static char* args[] = {name, nullptr};
    static char** argv = args;
    // The runtime starts in flush mode (as the CLI); the interpreter's thread gets its own mode back.
    const SubnormalMode interpreter = thread_subnormal_mode();
    module_runtime().runtime = std::make_unique<Runtime>(argc, argv);
    set_thread_subnormal_mode(interpreter);
    py::module_::import("atexit").attr("register")(py::cpp_function(&stop_runtime));
  }
  register_errors(m);

  py::class_<Model>(m, "Model", "A trained flow or VAE, loaded from a run file's /checkpoint_best (or last checkpoint)")
      .def_property_readonly("dim", &Model::dim, "D, the data dimension")
      .def_property_readonly("kind", &Model::kind, "'flow' or 'vae'")
      .def_property_readonly("path", &Model::path)
      .def_property_readonly("checkpoint", &Model::checkpoint,
                             "'best' (/checkpoint_best, the lowest validation loss) or 'last' (/checkpoint)")
      .def_property_readonly("checkpoint_step", &Model::checkpoint_step, "the step of the loaded parameters")
      .def_property_readonly(
          "spec", [](const Model& model) { return py::module_::import("json").attr("loads")(model.spec_text()); },
          "the run's resolved spec (a dict)")
      .def_property_readonly("parameters", &Model::parameters,
                             "a dict name -> numpy array (float32 copies; changing them changes nothing)")
      .def("log_prob", &Model::log_prob, py::arg("x"), py::arg("k") = 0, py::arg("batch") = 4096,
           py::arg("context") = py::none(),
           "log p of each row of x [N, D] (float64 [N]); VAEs: the K-sample importance estimate (k=0: the spec's); "
           "conditional flows: log p(x | c) with context [N, C], one row per row of x")
      .def("sample", &Model::sample, py::arg("n"), py::arg("seed") = 0, py::arg("batch") = 4096,
           py::arg("context") = py::none(), py::arg("log_prob") = false,
           "n samples [n, D] (float32), as `tractable sample -n N --seed S`; conditional flows: n samples at each "
           "row of context [R, C], [R, n, D] (with log_prob=True also log q(x | c) [R, n], float64)")
      .def_property_readonly("context_dim", [](const Model& model) { return model.session().context_dim; },
                             "C, the context columns of a conditional flow (0: unconditional)")
      .def("diagnose", &Model::diagnose, py::arg("simulations") = 1000, py::arg("draws") = 1000, py::arg("seed") = 0,
           "conditional flows trained on a simulator: calibration as `tractable diagnose` computes it, a dict of "
           "sbc_ranks [N, D], sbc_p_values [D], levels, hdr_coverage and tarp_coverage [19], hdr_fraction and "
           "tarp_fraction [N], parameters [N, D], observations [N, C], leakage, draws and simulator")
      .def("encode", &Model::encode, py::arg("x"), "VAEs: (mean, log_variance) of q(z|x), each [N, L]")
      .def("decode", &Model::decode, py::arg("z"), "VAEs: the decoder means E[x|z] [N, D] for latent rows z [N, L]")
      .def("compress", &Model::compress, py::arg("x"), py::arg("latent_bits") = BitsBackSettings().latent_bits, py::arg("lanes") = BitsBackSettings().lanes,
           py::arg("seed") = 0, "VAEs: binary images [N, D] -> bytes, as `tractable compress` (bits-back coding)")
      .def("decompress", &Model::decompress, py::arg("data"),
           "VAEs: bytes of `compress` / `tractable compress` -> the images, uint8 [N, D]");
  m.def("load", [](const std::string& path, bool last) { return Model(path, last); }, py::arg("path"),
        py::arg("last") = false,
        "the model of a run file: /checkpoint_best when the run has one (a validation split), else or with "
        "last=True its last checkpoint");
  m.def(
      "validate",
      [](const py::object& spec, const py::object& set, const py::kwargs& kwargs) {
        std::string origin;
        const nlohmann::json raw = spec_argument(spec, origin);
        const RunSpec resolved = resolve_spec(raw, override_arguments(set, kwargs), origin);
        return py::module_::import("json").attr("loads")(resolved.document.dump());
      },
      py::arg("spec"), py::arg("set") = py::none(),
      "the resolved spec (a dict: defaults filled in) of `spec`, a dict or a path, with `set={'key.path': value}` "
      "and keyword overrides (key__path=value) applied as `tractable validate --set`; a ValueError with the "
      "validator's message (file, JSON path) when it is not valid");
  m.def(
      "run",
      [](const py::object& spec, const std::string& out, const py::object& progress, bool resume, bool force,
         const py::object& simulator, const py::object& set, const py::kwargs& kwargs) {
        RunOptions o;
        if (!simulator.is_none()) {
          // data.source external_simulator, in-process: θ [rows, D] float64 in, x [rows, C] out (NaN: failed).
          if (!PyCallable_Check(simulator.ptr())) throw UsageError("simulator: not callable");
          o.simulator_function_name = py::hasattr(simulator, "__qualname__")
                                          ? std::string(py::str(simulator.attr("__qualname__")))
                                          : std::string(py::str(py::repr(simulator)));
          o.simulator_function = [simulator](const std::vector<double>& theta, std::size_t rows, std::size_t D) {
            py::array_t<double> t({py::ssize_t(rows), py::ssize_t(D)});
            std::copy(theta.begin(), theta.end(), t.mutable_data());
            const auto x = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(simulator(t));
            if (!x || x.ndim() != 2 || std::size_t(x.shape(0)) != rows)
              throw std::runtime_error("did not return an array of " + std::to_string(rows) + " rows [rows, C]");
            return std::vector<double>(x.data(), x.data() + x.size());
          };
        }
        o.spec_document = spec_argument(spec, o.spec_path);
        o.overrides = override_arguments(set, kwargs);
        o.out = out;
        o.resume = resume;
        o.force = force;
        o.command_line = "python: tractable.run(" + o.spec_path + ", out=" + out + ")";
        auto bar = std::make_shared<py::object>();
        bool print_lines = false;
        o.listener = progress_listener(progress, print_lines, bar);
        o.quiet = !print_lines;
        const SubnormalMode interpreter = thread_subnormal_mode();  // a run sets its spec's mode; give it back
        RunSummary summary;
        try {
          Communicator comm;
          summary = run_experiment(o, comm);
        } catch (...) {
          set_thread_subnormal_mode(interpreter);
          if (*bar) bar->attr("close")();
          throw;
        }
        set_thread_subnormal_mode(interpreter);
        if (*bar) bar->attr("close")();
        return Model(summary.path, false);
      },
      py::arg("spec"), py::arg("out"), py::arg("progress") = py::none(), py::arg("resume") = false,
      py::arg("force") = false, py::arg("simulator") = py::none(), py::arg("set") = py::none(),
      "train `spec` (a dict or a path) in this process, exactly as `tractable run SPEC --out OUT` (the same run "
      "file, bit for bit), with `set={'key.path': value}` and keyword overrides (key__path=value); progress: "
      "None (quiet), True (a tqdm bar, or the CLI's lines without tqdm) or a callable (step, total, loss, "
      "steps_per_second); resume / force as the CLI's flags; simulator: a function θ [n, D] -> x [n, C] for a "
      "data.source 'external_simulator' spec without data.command. Returns the trained model (tractable.load(out)). "
      "Ctrl-C stops it at the next progress report with its last checkpoint kept");
  m.def(
      "verify",
      [](const std::string& path) {
        std::vector<std::pair<std::string, std::string>> findings;
        for (const auto& f : verify_run(path))
          findings.emplace_back(f.kind == RunFinding::Kind::defect    ? "defect"
                                : f.kind == RunFinding::Kind::warning ? "warning"
                                                                      : "ok",
                                f.text);
        return findings;
      },
      py::arg("path"),
      "`tractable verify` of one run file: a list of (kind, text), kind 'defect', 'warning' or 'ok'; the run "
      "is intact when no kind is 'defect'");
}
