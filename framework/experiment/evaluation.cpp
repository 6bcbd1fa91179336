#include "experiment/evaluation.hpp"

#include "dist/standard_normal.hpp"

#include <cmath>

namespace tractable {

NllResult evaluate_nll(Flow& flow, const HostMatrix& rows, std::size_t batch, const Communicator& comm) {
  const auto [begin, end] = comm.shard(rows.extent(0));
  double local = 0;
  for (std::size_t start = begin; start < end; start += batch) {
    const std::size_t stop = std::min(end, start + batch);
    Matrix x("tractable::evaluate_nll::x", stop - start, rows.extent(1));
    Kokkos::deep_copy(x, Kokkos::subview(rows, std::make_pair(start, stop), Kokkos::ALL()));
    const Vector logp = flow.log_prob(x);
    double chunk = 0;
    Kokkos::parallel_reduce(
        "tractable::evaluate_nll", RangePolicy(0, logp.extent(0)),
        KOKKOS_LAMBDA(const std::size_t i, double& acc) { acc -= double(logp(i)); }, chunk);
    local += chunk;
  }
  NllResult r;
  r.nll = comm.allreduce_sum(local) / double(rows.extent(0));
  r.bits_per_dim = r.nll / (double(rows.extent(1)) * std::log(2.0));
  return r;
}

HostMatrix draw_samples(Flow& flow, RandomStream& stream, std::size_t n, std::size_t batch) {
  HostMatrix out("tractable::samples", n, flow.dim());
  Vector log_q;
  for (std::size_t start = 0; start < n; start += batch) {
    const std::size_t stop = std::min(n, start + batch);
    Matrix z("tractable::draw_samples::z", stop - start, flow.dim());
    StandardNormal::sample(stream, z);
    const Matrix x = flow.sample_from_base(z, log_q);
    Kokkos::deep_copy(Kokkos::subview(out, std::make_pair(start, stop), Kokkos::ALL()), x);
  }
  return out;
}

NamedArray log_density_grid(Flow& flow, double lo, double hi, std::size_t resolution, const std::string& path) {
  const std::size_t n = resolution * resolution;
  HostMatrix points("tractable::grid", n, 2);
  const double step = (hi - lo) / double(resolution - 1);
  for (std::size_t r = 0; r < resolution; ++r)
    for (std::size_t c = 0; c < resolution; ++c) {
      points(r * resolution + c, 0) = static_cast<Real>(lo + step * double(c));
      points(r * resolution + c, 1) = static_cast<Real>(lo + step * double(r));
    }
  Matrix x("tractable::log_density_grid::x", n, 2);
  Kokkos::deep_copy(x, points);
  auto logp = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), flow.log_prob(x));
  NamedArray grid;
  grid.path = path;
  grid.dims = {resolution, resolution};
  grid.values.resize(n);
  for (std::size_t k = 0; k < n; ++k) grid.values[k] = double(logp(k));
  grid.attributes = {{"x_min", lo}, {"x_max", hi}, {"y_min", lo}, {"y_max", hi}};
  return grid;
}

}  // namespace tractable
