// `tractable bench WORKLOAD`: the workloads of shared/BENCHMARKS.md, built as
// the same models torch_ref.py builds (shapes, batch, activations, Adam lr
// 1e-3, fp32), timed the same way (5 warm-up steps, then --steps timed), one
// JSON line per call. `sgemm` measures the BLAS behind the framework's products on
// 512³ fp32, the roof the GEMM-bound workloads are compared with. Also
// reported: the step's FLOPs in its dense layers, the process's peak RSS and
// the RSS growth over the timed steps (a leak shows up there).
#include "cli/options.hpp"
#include "core/batch_parallel.hpp"
#include "core/blas_library.hpp"
#include "core/build_isa.hpp"
#include "core/gemm.hpp"
#include "core/subnormals.hpp"
#include "core/random.hpp"
#include "experiment/model_session.hpp"
#include "experiment/problem_from_spec.hpp"
#include "training/progress.hpp"
#include "experiment/run_spec.hpp"


#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <tuple>
#include <unistd.h>

namespace tractable::cli {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// Resident set size now, in KiB (/proc/self/statm counts pages).
double current_rss_kib() {
  std::ifstream statm("/proc/self/statm");
  double pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * double(sysconf(_SC_PAGESIZE)) / 1024.0;
}

// Peak resident set size of this process image, in KiB: VmHWM, which exec resets (getrusage's
// ru_maxrss survives exec and would report the launching Python's footprint).
double peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  double value = 0;
  while (status >> key) {
    if (key == "VmHWM:") {
      status >> value;
      return value;
    }
    status.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return 0;
}

struct Workload {
  std::string name;
  json spec;           // a run spec: model, objective, optimizer, training.batch_size
  std::size_t dim = 0;
  std::string kind;    // train | density | sample
  double flops_per_step = 0;  // dense-layer FLOPs per step (multiply-adds × 2; backward = 2 × forward)
};

// FLOPs of a chain of dense layers applied to `rows` rows: forward 2·rows·Σ in·out; training adds 2× that.
double dense_flops(const std::vector<std::pair<double, double>>& layers, double rows, bool train) {
  double f = 0;
  for (const auto& [in, out] : layers) f += 2 * rows * in * out;
  return train ? 3 * f : f;
}

std::vector<Workload> workloads() {
  const json adam = {{"type", "adam"}, {"lr", 1e-3}, {"clip_grad_norm", 0}};
  // 8 affine couplings, alternating masks, MLP 2 -> 64 -> 64 -> 4 (ReLU), scale = tanh(raw) (bound 1).
  const json realnvp = {{"type", "flow"},        {"hidden", 64},
                        {"depth", 2},            {"activation", "relu"},
                        {"scale_bound", 1.0},    {"layers", {{{"type", "affine_coupling"}, {"mask", "alternating"}}}},
                        {"repeat", 8}};
  // 5 Gaussian MADEs (natural order, hidden 128×2 ReLU, α = tanh(raw)), reversed between layers.
  const json maf = {{"type", "flow"},     {"hidden", 128},
                    {"depth", 2},         {"activation", "relu"},
                    {"scale_bound", 1.0}, {"layers", {{{"type", "maf"}, {"order", "natural"}}, {{"type", "reverse"}}}},
                    {"repeat", 5}};
  // IWAE-paper network: 784-200-200-50 tanh encoder (Gaussian q), 50-200-200-784 decoder (Bernoulli logits).
  const json vae = {{"type", "vae"}, {"latent", 50}, {"hidden", 200}, {"depth", 2}, {"activation", "tanh"},
                    {"decoder", {{"type", "bernoulli"}}}};
  const auto made_layers = std::vector<std::pair<double, double>>{{8, 128}, {128, 128}, {128, 16}};
  std::vector<std::pair<double, double>> maf_all;
  for (int i = 0; i < 5; ++i) maf_all.insert(maf_all.end(), made_layers.begin(), made_layers.end());
  std::vector<std::pair<double, double>> coupling_all;
  for (int i = 0; i < 8; ++i) coupling_all.insert(coupling_all.end(), {{2, 64}, {64, 64}, {64, 4}});
  const std::vector<std::pair<double, double>> encoder{{784, 200}, {200, 200}, {200, 100}},
      decoder{{50, 200}, {200, 200}, {200, 784}};
  auto vae_flops = [&](double batch, double k) {
    return dense_flops(encoder, batch, true) + dense_flops(decoder, batch * k, true);
  };
  auto spec = [&](const json& model, const json& objective, std::size_t batch) {
    return json{{"name", "bench"}, {"model", model}, {"objective", objective}, {"optimizer", adam},
                {"training", {{"batch_size", batch}, {"seed", 0}}}};
  };
  // Declares binary image data so the Bernoulli decoder validates; the bench draws its own pixels.
  auto on_images = [](json s) {
    s["data"] = {{"source", "mnist"}};
    return s;
  };
  const json nll = {{"type", "nll"}};
  return {
      {"realnvp2d-train", spec(realnvp, nll, 512), 2, "train", dense_flops(coupling_all, 512, true)},
      {"maf8d-train", spec(maf, nll, 512), 8, "train", dense_flops(maf_all, 512, true)},
      {"maf8d-density", spec(maf, nll, 512), 8, "density", dense_flops(maf_all, 1e5, false)},
      // Sampling: D = 8 sequential MADE passes per layer.
      {"maf8d-sample", spec(maf, nll, 512), 8, "sample", 8 * dense_flops(maf_all, 1e5, false)},
      {"vae-mnist-train", on_images(spec(vae, {{"type", "elbo"}, {"kl", "sampled"}, {"samples", 1}}, 100)), 784, "train",
       vae_flops(100, 1)},
      {"iwae50-mnist-train", on_images(spec(vae, {{"type", "iwae"}, {"samples", 50}}, 20)), 784, "train",
       vae_flops(20, 50)},
  };
}

// Data as torch_ref.py draws it: N(0, 1) rows for flows, Bernoulli(0.13) pixels for the VAE.
Matrix bench_data(std::size_t rows, std::size_t dim, bool binary) {
  Matrix x("tractable::bench::data", rows, dim);
  RandomStream stream(7, 0, Stream::eval);
  if (!binary) {
    stream.fill_normal(x);
    return x;
  }
  Matrix u("tractable::bench::uniform", rows, dim);
  stream.fill_uniform(u, 0, 1);
  for_each_element("tractable::bench::bernoulli", rows, dim,
                   KOKKOS_LAMBDA(std::size_t i, std::size_t j) { x(i, j) = u(i, j) < Real(0.13) ? Real(1) : Real(0); });
  return x;
}

// One JSON line: the measurement and the conditions it was taken under (CPU, the BLAS and the
// kernel it runs, the subnormal mode the kernels and the BLAS were observed in).
void print_result(const std::string& workload, const std::string& metric, double value, double flops_per_unit,
                  double rss_start, std::size_t steps, int ranks = 1, const json& extra = json::object()) {
  const BlasLibrary& blas = blas_library();
  const ObservedSubnormalMode subnormals = observe_subnormal_mode();
  const json line = {{"workload", workload},
                     {"kokkos", ExecSpace::name()},
                     {"threads", ExecSpace().concurrency()},  // per rank: Kokkos's threads (Serial: 1)
                     {"blas_threads", blas_threads()},
                     {"ranks", ranks},
                     {"metric", metric},
                     {"value", std::round(value * 100) / 100},
                     {"impl", std::string("tractable-") + TRACTABLE_VERSION},
                     {"gflops", std::round(value * flops_per_unit / 1e6) / 1e3},
                     {"peak_rss_mib", std::round(peak_rss_kib() / 102.4) / 10},
                     {"rss_growth_kib", std::round(current_rss_kib() - rss_start)},
                     {"steps", steps},
                     {"cpu", blas.cpu_model},
                     {"cpu_isa", blas.cpu_isa},
                     {"build_isa", build_isa()},
                     {"blas", blas.name + (blas.version.empty() ? "" : " " + blas.version)},
                     {"blas_kernel", blas.kernel},
                     {"blas_path", blas.path},
                     {"subnormals", subnormals.kernels},
                     {"subnormals_blas", subnormals.blas}};
  json all = line;
  all.update(extra);
  std::printf("%s\n", all.dump().c_str());
}

// "OPS:MxNxK" of --shape, e.g. "NT:100x200x784".
std::tuple<std::string, std::size_t, std::size_t, std::size_t> parse_gemm_shape(const std::string& shape) {
  const auto bad = [&]() {
    return UsageError("--shape '" + shape + "': expected OPS:MxNxK, OPS two of N and T and M, N, K positive, "
                      "e.g. NT:100x200x784");
  };
  const auto colon = shape.find(':');
  if (colon != 2) throw bad();
  const std::string ops = shape.substr(0, 2);
  for (const char op : ops)
    if (op != 'N' && op != 'T') throw bad();
  std::size_t dims[3] = {0, 0, 0}, at = colon + 1;
  for (int d = 0; d < 3; ++d) {
    const auto end = d < 2 ? shape.find('x', at) : shape.size();
    if (end == std::string::npos || end == at || end - at > 7) throw bad();
    for (std::size_t i = at; i < end; ++i)
      if (shape[i] < '0' || shape[i] > '9') throw bad();
    dims[d] = std::stoul(shape.substr(at, end - at));
    if (dims[d] == 0) throw bad();
    at = end + 1;
  }
  return {ops, dims[0], dims[1], dims[2]};
}

}  // namespace

int bench_command(const Arguments& args, const Communicator& comm) {
  po::options_description options("tractable bench");
  std::string name;
  std::size_t steps = 200;
  std::string subnormals = "flush";
  std::string shape = "NN:512x512x512";
  std::size_t batch_override = 0;
  options.add_options()
      ("workload", po::value(&name)->required(),
       "realnvp2d-train | maf8d-train | maf8d-density | maf8d-sample | vae-mnist-train | iwae50-mnist-train | sgemm | list")
      ("steps", po::value(&steps)->default_value(200), "timed training steps (after 5 warm-up steps); the training workloads also run on N ranks (mpiexec)")
      ("subnormals", po::value(&subnormals)->default_value(subnormals),
       "flush (FTZ + DAZ, the default) | ieee (keep subnormal floats): training.subnormals")
      ("shape", po::value(&shape)->default_value(shape),
       "sgemm only: OPS:MxNxK, row-major C[M, N] = op(A) op(B) over K, OPS two of N (as is) and T (transposed), "
       "e.g. NT:100x200x784 (a Linear layer's forward pass)")
      ("batch", po::value(&batch_override),
       "training workloads only: the global batch instead of the workload's (how a step's speed depends on "
       "its rows: what a split of the batch over threads or ranks can gain)");
  po::positional_options_description positional;
  positional.add("workload", 1);
  po::variables_map vm;
  if (!parse_options(args, "bench", options, positional, vm, comm)) return 0;
  if (steps == 0) throw UsageError("--steps must be positive");
  if (subnormals != "flush" && subnormals != "ieee") throw UsageError("--subnormals must be flush or ieee");
  if (!vm["shape"].defaulted() && name != "sgemm") throw UsageError("--shape is for the sgemm workload only");
  set_subnormal_mode(parse_subnormal_mode(subnormals));  // sgemm has no model session to set it
  const auto all = workloads();
  if (name == "list") {
    for (const auto& w : all) std::printf("%s\n", w.name.c_str());
    std::printf("sgemm\n");
    return 0;
  }
  const double rss_start = current_rss_kib();
  if (name == "sgemm") {
    if (comm.size() > 1) throw UsageError("tractable bench sgemm runs on one rank");
    // The BLAS roof: the framework's product (core/gemm.hpp), 512³ unless --shape, the library's sgemm/dgemm
    // (fp32 in the CLI) in one part per host thread. OPENBLAS_NUM_THREADS=T instead leaves the split to
    // OpenBLAS (docs/explanation/parallelism.md, "Products in parts").
    const auto [ops, m, n, k] = parse_gemm_shape(shape);
    Matrix a("tractable::bench::a", ops[0] == 'N' ? m : k, ops[0] == 'N' ? k : m),
        b("tractable::bench::b", ops[1] == 'N' ? k : n, ops[1] == 'N' ? n : k), c("tractable::bench::c", m, n);
    const char op_a[2] = {ops[0], 0}, op_b[2] = {ops[1], 0};
    RandomStream stream(1, 0, Stream::eval);
    stream.fill_normal(a);
    stream.fill_normal(b);
    const std::size_t repeats = std::max<std::size_t>(steps / 10, 5);
    for (int i = 0; i < 3; ++i) gemm(op_a, op_b, Real(1), a, b, Real(0), c);
    Kokkos::fence();
    const auto start = Clock::now();
    for (std::size_t i = 0; i < repeats; ++i) gemm(op_a, op_b, Real(1), a, b, Real(0), c);
    Kokkos::fence();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    print_result("sgemm", "gemm/s", double(repeats) / seconds, 2.0 * double(m) * double(n) * double(k), rss_start,
                 repeats, 1, {{"shape", shape}, {"parts", blas_parts_for(double(m) * double(n) * double(k))}});
    return 0;
  }
  const Workload* w = nullptr;
  for (const auto& candidate : all)
    if (candidate.name == name) w = &candidate;
  if (!w) throw UsageError("tractable bench: unknown workload '" + name + "' (tractable bench list)");
  // On N ranks a training step is data parallel, as `tractable run`'s; the other workloads are one process's.
  if (comm.size() > 1 && w->kind != "train")
    throw UsageError("tractable bench " + name + " runs on one rank; only the training workloads run on N ranks");
  if (vm.count("batch") && w->kind != "train") throw UsageError("--batch is for the training workloads only");
  if (vm.count("batch") && batch_override == 0) throw UsageError("--batch must be positive");

  json bench_spec = w->spec;
  bench_spec["training"]["subnormals"] = subnormals;
  const std::size_t workload_batch = bench_spec["training"]["batch_size"].get<std::size_t>();
  if (batch_override > 0) bench_spec["training"]["batch_size"] = batch_override;
  const RunSpec spec = resolve_spec(bench_spec, {}, "bench:" + w->name);
  auto session = build_model_session(spec, w->dim, comm);
  const std::size_t batch = spec.trainer.global_batch;
  if (w->kind == "density" || w->kind == "sample") {
    Flow& flow = *session->flow;
    const std::size_t n = 100000;
    Matrix x = bench_data(n, w->dim, false);
    Vector log_q;
    // In passes of training.eval_batch_size rows, as `tractable eval` and `sample` evaluate: the
    // layers' buffers are allocated once and stay in cache, rather than 1 GB of 100,000-row
    // intermediates (PyTorch frees its intermediates under no_grad; our layers keep theirs for backward).
    const std::size_t chunk = spec.eval_batch;
    auto pass = [&] {
      for (std::size_t begin = 0; begin < n; begin += chunk) {
        const Matrix rows = Kokkos::subview(x, std::make_pair(begin, std::min(n, begin + chunk)), Kokkos::ALL);
        if (w->kind == "density") flow.log_prob(rows);
        else flow.sample_from_base(rows, log_q);
      }
      Kokkos::fence();
    };
    Matrix warm = bench_data(1000, w->dim, false);  // as torch_ref.py: a 1000-row warm-up
    // (our first full-size pass then allocates its buffers inside the timed pass, as PyTorch's does)
    if (w->kind == "density") flow.log_prob(warm);
    else flow.sample_from_base(warm, log_q);
    const auto start = Clock::now();
    pass();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    print_result(w->name, w->kind == "density" ? "points/s" : "samples/s", double(n) / seconds, w->flops_per_step / double(n),
                 rss_start, 1);
    return 0;
  }

  // The training step `tractable run` takes: the same Problem and Trainer, on one batch of
  // drawn rows (an epoch is one batch), timed without the run file.
  const bool is_vae = session->vae != nullptr;
  ProblemInputs inputs;
  inputs.dim = w->dim;
  inputs.data.origin = "bench:" + w->name;
  const Matrix rows = bench_data(batch, w->dim, is_vae);
  inputs.data.train = Kokkos::create_mirror_view(rows);
  Kokkos::deep_copy(inputs.data.train, rows);
  inputs.data.test = inputs.data.train;
  Progress quiet(0, false, false);
  auto problem = make_problem(spec, *session, std::move(inputs), comm, quiet);
  auto optimizer = spec.make_optimizer(Trainer::optimizer_length(session->store, comm));
  Trainer trainer(spec.trainer, session->store, *optimizer, spec.make_schedule(), *problem, comm, quiet, "");
  std::int64_t step = 0;
  auto train_step = [&] { trainer.train_step(step++, 1e-3); };
  for (int i = 0; i < 5; ++i) train_step();
  Kokkos::fence();
  const double rss_warm = current_rss_kib();
  comm.barrier();  // N ranks: every rank's clock starts together (each step ends in collectives anyway)
  const auto start = Clock::now();
  for (std::size_t i = 0; i < steps; ++i) train_step();
  Kokkos::fence();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  // The global batch's FLOPs per step, whatever the number of ranks that share them (dense layers: in
  // proportion to the rows).
  if (comm.is_root())
    print_result(w->name, "steps/s", double(steps) / seconds,
                 w->flops_per_step * double(batch) / double(workload_batch), rss_warm, steps, comm.size(),
                 {{"batch", batch}});
  return 0;
}

}  // namespace tractable::cli
