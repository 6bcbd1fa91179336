#pragma once
// The shared checker every layer, bijector and objective test uses (fp64):
// central finite differences of a scalar function against the analytic
// gradient, for inputs and for every element of the flat parameter buffer.
#include <catch2/catch.hpp>

#include "core/parameter_store.hpp"
#include "core/random.hpp"
#include "flows/bijector.hpp"
#include "nn/layer.hpp"

#include <cmath>
#include <functional>
#include <string>
#include <vector>

namespace tractable::testing {

static_assert(sizeof(Real) == 8, "numerical tests run in fp64");

inline HostMatrix to_host(const Matrix& m) {
  auto h = HostMatrix("to_host", m.extent(0), m.extent(1));
  Kokkos::deep_copy(h, m);
  return h;
}
inline HostVector to_host(const Vector& v) {
  auto h = HostVector("to_host", v.extent(0));
  Kokkos::deep_copy(h, v);
  return h;
}
inline Matrix random_matrix(std::size_t rows, std::size_t cols, std::uint64_t seed, Real scale = 1) {
  Matrix m("random_matrix", rows, cols);
  RandomStream(seed, 0, Stream::eval).fill_normal(m, 0, scale);
  return m;
}
inline Vector random_vector(std::size_t n, std::uint64_t seed) {
  Matrix m = random_matrix(1, n, seed);
  Vector v("random_vector", n);
  Kokkos::deep_copy(v, Kokkos::subview(m, 0, Kokkos::ALL()));
  return v;
}

// Largest |analytic − numeric| / max(1, |numeric|) seen; tests assert on it.
struct GradientReport {
  double worst = 0;
  std::string where;
  void add(double analytic, double numeric, const std::string& what) {
    const double err = std::abs(analytic - numeric) / std::max(1.0, std::abs(numeric));
    if (!(err <= worst)) {  // also catches NaN
      worst = std::isnan(err) ? INFINITY : err;
      where = what + ": analytic " + std::to_string(analytic) + ", numeric " + std::to_string(numeric);
    }
  }
};

// Perturbs one element of a device matrix through a host mirror.
inline void nudge(const Matrix& m, std::size_t i, std::size_t j, Real delta) {
  auto h = to_host(m);
  h(i, j) += delta;
  Kokkos::deep_copy(m, h);
}
inline void nudge(const Vector& v, std::size_t i, Real delta) {
  auto h = to_host(v);
  h(i) += delta;
  Kokkos::deep_copy(v, h);
}

// d loss/d x and d loss/d params by central differences, compared with
// `analytic_input_grad` and the store's gradient buffer (which the caller
// filled by one backward from zero).
inline GradientReport finite_difference_check(const std::function<double()>& loss, const Matrix& x,
                                              const Matrix& analytic_input_grad, ParameterStore* store,
                                              double h = 1e-6) {
  GradientReport report;
  const auto gx = to_host(analytic_input_grad);
  for (std::size_t i = 0; i < x.extent(0); ++i)
    for (std::size_t j = 0; j < x.extent(1); ++j) {
      nudge(x, i, j, h);
      const double up = loss();
      nudge(x, i, j, -2 * h);
      const double down = loss();
      nudge(x, i, j, h);
      report.add(gx(i, j), (up - down) / (2 * h), "d/dx(" + std::to_string(i) + "," + std::to_string(j) + ")");
    }
  if (store && store->size() > 0) {
    const auto gp = to_host(store->gradients());
    for (std::size_t k = 0; k < store->size(); ++k) {
      nudge(store->values(), k, h);
      const double up = loss();
      nudge(store->values(), k, -2 * h);
      const double down = loss();
      nudge(store->values(), k, h);
      report.add(gp(k), (up - down) / (2 * h), "d/d " + store->name_of_element(k) + "[" + std::to_string(k) + "]");
    }
  }
  return report;
}

// Σ w ⊙ m: a generic scalar to differentiate a matrix output by.
inline double weighted_sum(const Matrix& m, const HostMatrix& w) {
  const auto h = to_host(m);
  double s = 0;
  for (std::size_t i = 0; i < h.extent(0); ++i)
    for (std::size_t j = 0; j < h.extent(1); ++j) s += w(i, j) * h(i, j);
  return s;
}
inline double weighted_sum(const Vector& v, const HostVector& w) {
  const auto h = to_host(v);
  double s = 0;
  for (std::size_t i = 0; i < h.extent(0); ++i) s += w(i) * h(i);
  return s;
}

// Layer check: L = Σ w ⊙ layer.forward(x).
inline GradientReport check_layer(Layer& layer, ParameterStore& store, std::size_t batch, std::uint64_t seed) {
  Matrix x = random_matrix(batch, layer.in_features(), seed);
  Matrix w = random_matrix(batch, layer.out_features(), seed + 1);
  const auto wh = to_host(w);
  auto loss = [&] { return weighted_sum(layer.forward(x), wh); };
  store.zero_gradients();
  layer.forward(x);
  Matrix dx("dx", batch, layer.in_features());
  Kokkos::deep_copy(dx, layer.backward(w));
  return finite_difference_check(loss, x, dx, &store);
}

// Bijector checks in one direction: L = Σ w ⊙ out + Σ v ⊙ logdet. A conditional bijector
// (context_features() = E > 0) reads `context` [B, E], and dL/dh is checked as well.
inline GradientReport check_bijector_direction(Bijector& b, ParameterStore& store, const Matrix& x, bool forward,
                                               std::uint64_t seed, const Matrix& context = Matrix()) {
  const std::size_t batch = x.extent(0), dim = b.dim();
  const auto w = to_host(random_matrix(batch, dim, seed));
  const Vector v = random_vector(batch, seed + 1);
  const auto vh = to_host(v);
  Vector logdet("logdet", batch);
  Matrix dh("dh", batch, context.extent(1));
  auto run = [&]() -> const Matrix& {
    Kokkos::deep_copy(logdet, 0.0);
    if (b.context_features() > 0) b.set_context(context, dh);
    return forward ? b.forward(x, logdet) : b.inverse(x, logdet);
  };
  auto loss = [&] { return weighted_sum(run(), w) + weighted_sum(logdet, vh); };
  store.zero_gradients();
  run();
  Matrix wd("w", batch, dim);
  Kokkos::deep_copy(wd, w);
  Matrix dx("dx", batch, dim);
  Kokkos::deep_copy(dx, forward ? b.forward_backward(wd, v) : b.inverse_backward(wd, v));
  GradientReport report = finite_difference_check(loss, x, dx, &store);
  if (b.context_features() == 0) return report;
  Matrix dh_analytic("dh_analytic", batch, context.extent(1));
  Kokkos::deep_copy(dh_analytic, dh);
  const GradientReport through_context = finite_difference_check(loss, context, dh_analytic, nullptr);
  if (!(through_context.worst <= report.worst)) report = {through_context.worst, "context " + through_context.where};
  return report;
}

// log|det J| of one direction at every row, from a central-difference Jacobian (at a fixed context, if the
// bijector reads one: it was set by the caller).
inline std::vector<double> numeric_log_abs_det(Bijector& b, const Matrix& x, bool forward, double h = 1e-6) {
  const std::size_t batch = x.extent(0), dim = b.dim();
  std::vector<double> out(batch);
  Vector scratch("scratch", batch);
  auto apply = [&] { return to_host(forward ? b.forward(x, scratch) : b.inverse(x, scratch)); };
  std::vector<HostMatrix> up(dim), down(dim);
  for (std::size_t j = 0; j < dim; ++j) {
    for (std::size_t i = 0; i < batch; ++i) nudge(x, i, j, h);
    up[j] = apply();
    for (std::size_t i = 0; i < batch; ++i) nudge(x, i, j, -2 * h);
    down[j] = apply();
    for (std::size_t i = 0; i < batch; ++i) nudge(x, i, j, h);
  }
  for (std::size_t i = 0; i < batch; ++i) {
    // J(a, j) = ∂y_a/∂x_j for row i; log|det| by LU with partial pivoting.
    std::vector<double> J(dim * dim);
    for (std::size_t j = 0; j < dim; ++j)
      for (std::size_t a = 0; a < dim; ++a) J[a * dim + j] = (up[j](i, a) - down[j](i, a)) / (2 * h);
    double log_det = 0;
    for (std::size_t c = 0; c < dim; ++c) {
      std::size_t p = c;
      for (std::size_t r = c + 1; r < dim; ++r)
        if (std::abs(J[r * dim + c]) > std::abs(J[p * dim + c])) p = r;
      for (std::size_t k = 0; k < dim; ++k) std::swap(J[c * dim + k], J[p * dim + k]);
      const double pivot = J[c * dim + c];
      log_det += std::log(std::abs(pivot));
      for (std::size_t r = c + 1; r < dim; ++r) {
        const double f = J[r * dim + c] / pivot;
        for (std::size_t k = c; k < dim; ++k) J[r * dim + k] -= f * J[c * dim + k];
      }
    }
    out[i] = log_det;
  }
  return out;
}

}  // namespace tractable::testing
