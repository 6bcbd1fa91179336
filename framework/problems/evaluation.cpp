#include "problems/evaluation.hpp"
#include "core/batch_parallel.hpp"

#include "core/error.hpp"
#include "distributions/bases/standard_normal.hpp"

#include <cmath>

namespace tractable {

NllResult evaluate_nll(Flow& flow, const HostMatrix& rows, std::size_t batch, const Communicator& comm,
                       std::vector<double>* local_log_p) {
  if (local_log_p) local_log_p->clear();
  const auto [begin, end] = comm.shard(rows.extent(0));
  double local = 0;
  for (std::size_t start = begin; start < end; start += batch) {
    const std::size_t stop = std::min(end, start + batch);
    Matrix x("tractable::evaluate_nll::x", stop - start, rows.extent(1));
    Kokkos::deep_copy(x, Kokkos::subview(rows, std::make_pair(start, stop), Kokkos::ALL()));
    const Vector logp = flow.log_prob(x);
    local += sum_over("tractable::evaluate_nll", logp.extent(0),
                      KOKKOS_LAMBDA(const std::size_t i) { return -double(logp(i)); });
    if (local_log_p) {
      const auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), logp);
      local_log_p->insert(local_log_p->end(), host.data(), host.data() + host.extent(0));
    }
  }
  NllResult r;
  r.nll = comm.allreduce_sum(local) / double(rows.extent(0));
  r.bits_per_dim = r.nll / (double(flow.dim()) * std::log(2.0));
  return r;
}

HostMatrix draw_samples(Flow& flow, RandomStream& stream, std::size_t n, std::size_t batch, const HostMatrix& contexts) {
  const std::size_t c = flow.context_dim();
  require(c == 0 || (contexts.extent(0) > 0 && contexts.extent(1) >= c),
          "draw_samples: a conditional flow needs context rows");
  HostMatrix out("tractable::samples", n, c + flow.dim());
  Vector log_q;
  for (std::size_t start = 0; start < n; start += batch) {
    const std::size_t stop = std::min(n, start + batch);
    Matrix z("tractable::draw_samples::z", stop - start, flow.dim());
    flow.base().sample(stream, z);
    Matrix context;
    if (c > 0) {
      // Sample i is drawn at context row i mod N: a joint sample (c, x) when the rows are data.
      HostMatrix host("tractable::draw_samples::context_host", stop - start, c);
      for (std::size_t i = start; i < stop; ++i)
        for (std::size_t j = 0; j < c; ++j) host(i - start, j) = contexts(i % contexts.extent(0), j);
      context = Matrix("tractable::draw_samples::context", stop - start, c);
      Kokkos::deep_copy(context, host);
      Kokkos::deep_copy(Kokkos::subview(out, std::make_pair(start, stop), std::make_pair(std::size_t(0), c)), host);
    }
    const Matrix x = flow.sample_from_base(z, log_q, context);
    auto x_host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), x);
    Kokkos::deep_copy(Kokkos::subview(out, std::make_pair(start, stop), std::make_pair(c, c + flow.dim())), x_host);
  }
  return out;
}

namespace {
Matrix grid_points(double lo, double hi, std::size_t resolution) {
  const std::size_t n = resolution * resolution;
  HostMatrix points("tractable::grid", n, 2);
  const double step = (hi - lo) / double(resolution - 1);
  for (std::size_t r = 0; r < resolution; ++r)
    for (std::size_t c = 0; c < resolution; ++c) {
      points(r * resolution + c, 0) = static_cast<Real>(lo + step * double(c));
      points(r * resolution + c, 1) = static_cast<Real>(lo + step * double(r));
    }
  Matrix x("tractable::grid_points", n, 2);
  Kokkos::deep_copy(x, points);
  return x;
}

NamedArray to_grid(const Vector& values, double lo, double hi, std::size_t resolution, const std::string& path) {
  auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), values);
  NamedArray grid;
  grid.path = path;
  grid.dims = {resolution, resolution};
  grid.values.assign(host.data(), host.data() + host.extent(0));
  grid.attributes = {{"x_min", lo}, {"x_max", hi}, {"y_min", lo}, {"y_max", hi}};
  return grid;
}
}  // namespace

NamedArray log_density_grid(Flow& flow, double lo, double hi, std::size_t resolution, const std::string& path) {
  return to_grid(flow.log_prob(grid_points(lo, hi, resolution)), lo, hi, resolution, path);
}

NamedArray log_density_grid(const Target& target, double lo, double hi, std::size_t resolution,
                            const std::string& path) {
  const Matrix x = grid_points(lo, hi, resolution);
  Vector values("tractable::target_grid", x.extent(0));
  target.log_density(x, values);
  return to_grid(values, lo, hi, resolution, path);
}

double quadrature_log_normalizer(const Target& target, double lo, double hi, std::size_t resolution) {
  // Midpoint rule: shift the grid by half a cell.
  const double h = (hi - lo) / double(resolution);
  const Matrix x = grid_points(lo + h / 2, hi - h / 2, resolution);
  Vector values("tractable::quadrature", x.extent(0));
  target.log_density(x, values);
  double m = -INFINITY;
  // direct launch: a maximum (no helper reduces one), once per evaluation.
  Kokkos::parallel_reduce(
      "tractable::quadrature_max", RangePolicy(0, values.extent(0)),
      KOKKOS_LAMBDA(const std::size_t i, double& acc) { acc = double(values(i)) > acc ? double(values(i)) : acc; },
      Kokkos::Max<double>(m));
  const double s = sum_over("tractable::quadrature_sum", values.extent(0),
                            KOKKOS_LAMBDA(const std::size_t i) { return kmath::exp(double(values(i)) - m); });
  return m + std::log(s) + 2 * std::log(h);
}

ImportanceResult evaluate_importance(Flow& flow, const Target& target, const RandomStream& stream, std::size_t n,
                                     std::size_t batch, const Communicator& comm, double reference_log_z) {
  const auto [begin, end] = comm.shard(n);
  const std::size_t dim = flow.dim();
  std::vector<double> log_weights;
  log_weights.reserve(end - begin);
  Vector log_q, log_p;
  for (std::size_t start = begin; start < end; start += batch) {
    const std::size_t stop = std::min(end, start + batch);
    Matrix z("tractable::evaluate_importance::z", stop - start, dim);
    stream.fill_normal_at(z, start * dim);
    const Matrix x = flow.sample_from_base(z, log_q);
    ensure_shape(log_p, stop - start, "tractable::evaluate_importance::log_p");
    target.log_density(x, log_p);
    auto lq = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), log_q);
    auto lp = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), log_p);
    for (std::size_t i = 0; i < stop - start; ++i) log_weights.push_back(double(lp(i)) - double(lq(i)));
  }
  double local_max = -INFINITY, local_sum = 0;
  for (double w : log_weights) {
    local_max = std::max(local_max, w);
    local_sum += w;
  }
  const double m = comm.allreduce_max(local_max);
  double s1 = 0, s2 = 0;
  for (double w : log_weights) {
    s1 += std::exp(w - m);
    s2 += std::exp(2 * (w - m));
  }
  s1 = comm.allreduce_sum(s1);
  s2 = comm.allreduce_sum(s2);
  ImportanceResult r;
  r.elbo = comm.allreduce_sum(local_sum) / double(n);
  r.log_z = m + std::log(s1) - std::log(double(n));
  r.ess_fraction = s1 * s1 / (s2 * double(n));
  r.kl = reference_log_z - r.elbo;
  return r;
}

}  // namespace tractable
