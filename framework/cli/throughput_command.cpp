#include "cli/options.hpp"
#include "distributions/bases/standard_normal.hpp"
#include "data/dataset.hpp"
#include "experiment/model_session.hpp"
#include "io/hdf5_file.hpp"

#include <chrono>
#include <cstdio>

namespace tractable::cli {

// Density evaluation and sampling throughput of a run's flow: the MAF/IAF
// duality (one direction parallel, the other D sequential passes) as numbers.
int throughput_command(const Arguments& args, const Communicator& comm) {
  po::options_description options("tractable throughput");
  bool last = false;
  std::string path;
  std::size_t n = 100000, batch = 10000, repeats = 3;
  options.add_options()
      ("run", po::value(&path)->required(), "run file")
      ("n,n", po::value(&n)->default_value(100000), "points per measurement")
      ("batch", po::value(&batch)->default_value(10000), "rows per pass")
      ("repeats", po::value(&repeats)->default_value(3), "measurements per direction (the best is reported)");
  add_last_option(options, last);
  po::positional_options_description positional;
  positional.add("run", 1);
  po::variables_map vm;
  if (!parse_options(args, "throughput", options, positional, vm, comm))
    return 0;
  if (n == 0 || batch == 0 || repeats == 0) throw UsageError("-n, --batch and --repeats must be positive");
  if (!comm.is_root()) return 0;
  auto session = load_model_session(path, last);
  Flow& flow = require_flow(*session, "throughput");
  const std::size_t dim = session->dim, rows = std::min(batch, n), C = session->context_dim;
  Matrix z("tractable::throughput::z", rows, dim), x("tractable::throughput::x", rows, C + dim);
  // A conditional flow is measured at the run's own test contexts (/data/test_points), cycled.
  HostMatrix contexts("tractable::throughput::contexts", rows, C);
  if (C > 0) {
    std::vector<std::uint64_t> shape;
    const auto points = Hdf5File(path, Hdf5File::Mode::read_only).read<double>("/data/test_points", &shape);
    if (shape.size() != 2 || shape[0] == 0 || shape[1] != C + dim)
      throw IoError(path + ":/data/test_points: no test rows [n, " + std::to_string(C + dim) +
                    "] to take the conditional flow's contexts from");
    for (std::size_t i = 0; i < rows; ++i)
      for (std::size_t j = 0; j < C; ++j) contexts(i, j) = Real(points[(i % shape[0]) * shape[1] + j]);
  }
  Matrix context("tractable::throughput::context", rows, C);
  Kokkos::deep_copy(context, contexts);
  RandomStream stream(1, 0, Stream::eval);
  flow.base().sample(stream, z);
  Vector log_q;
  // Realistic density inputs: the model's own samples (at their contexts: rows [c | x]).
  const auto drawn = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), flow.sample_from_base(z, log_q, context));
  Kokkos::deep_copy(x, join_context(contexts, drawn, "contexts", "samples"));
  using Clock = std::chrono::steady_clock;
  auto best_rate = [&](auto&& pass) {
    double best = 0;
    for (std::size_t r = 0; r < repeats; ++r) {
      const auto start = Clock::now();
      for (std::size_t done = 0; done < n; done += rows) pass();
      Kokkos::fence();
      const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
      best = std::max(best, double((n + rows - 1) / rows * rows) / seconds);
    }
    return best;
  };
  const double density = best_rate([&] { flow.log_prob(x); });
  const double sampling = best_rate([&] { flow.sample_from_base(z, log_q, context); });
  bool density_sequential = false, sampling_sequential = false;
  for (const auto& b : flow.chain()) {
    density_sequential = density_sequential || b->forward_cost() == PassCost::sequential;
    sampling_sequential = sampling_sequential || b->inverse_cost() == PassCost::sequential;
  }
  std::printf("{\"run\": \"%s\", \"dim\": %zu, \"density_points_per_second\": %.1f, \"sampling_points_per_second\": %.1f, "
              "\"density_pass\": \"%s\", \"sampling_pass\": \"%s\"}\n",
              path.c_str(), dim, density, sampling, density_sequential ? "sequential" : "parallel",
              sampling_sequential ? "sequential" : "parallel");
  return 0;
}

}  // namespace tractable::cli
