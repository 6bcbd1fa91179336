// Conditional flows p(x | c) as a whole (fp64): the density integrates to one at
// several fixed contexts, gradients of log p(x | c) with respect to the whole
// row [c | x] and every parameter (context standardisation, embedding network,
// conditional layers, conditional base) against finite differences, the
// sampling path's context gradient, and log_prob of what sample drew.
#include "gradient_check.hpp"

#include "model_from_spec.hpp"
#include "experiment/spec.hpp"
#include "flows/flow.hpp"

using namespace tractable;
using namespace tractable::testing;
using nlohmann::json;

namespace {
// Every conditional layer kind, an embedding network and the conditional base, with random parameters.
std::unique_ptr<Flow> conditional_flow(ParameterStore& store, std::size_t dim, std::size_t context_dim,
                                       bool embedding = true, double scale = 0.3) {
  json model = {{"hidden", 8},
                {"depth", 1},
                {"activation", "tanh"},
                {"repeat", 1},
                {"base", {{"type", "diagonal_gaussian"}}},
                {"layers", json::array({json{{"type", "actnorm"}}, json{{"type", "rqs_coupling"}, {"bins", 4}, {"tail_bound", 3}},
                                        json{{"type", "reverse"}}, json{{"type", "maf"}},
                                        json{{"type", "affine_coupling"}, {"mask", "half"}},
                                        json{{"type", "rqs_autoregressive"}, {"bins", 3}, {"tail_bound", 3}},
                                        json{{"type", "iaf"}}, json{{"type", "additive_coupling"}}})}};
  if (embedding) model["context_embedding"] = {{"hidden", 6}, {"depth", 1}, {"out", 3}, {"activation", "tanh"}};
  auto flow = flow_from_spec(json{{"model", model}}, dim, store, 3, context_dim);
  store.allocate();
  Matrix flat(store.values().data(), 1, store.size());
  RandomStream(4, 0, Stream::init).fill_normal(flat, 0, scale);
  return flow;
}

// Rows [c | x] for one context c and a midpoint grid over [lo, hi]² of x.
Matrix grid_rows(const std::vector<double>& c, double lo, double hi, std::size_t n) {
  const std::size_t C = c.size();
  const double h = (hi - lo) / double(n);
  HostMatrix host("grid", n * n, C + 2);
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t k = 0; k < n; ++k) {
      for (std::size_t j = 0; j < C; ++j) host(r * n + k, j) = c[j];
      host(r * n + k, C) = lo + h * (double(k) + 0.5);
      host(r * n + k, C + 1) = lo + h * (double(r) + 0.5);
    }
  Matrix rows("rows", n * n, C + 2);
  Kokkos::deep_copy(rows, host);
  return rows;
}
}  // namespace

TEST_CASE("conditional flow: p(x | c) integrates to one at several fixed contexts (2-D quadrature)", "[flow][context]") {
  ParameterStore store;
  auto flow = conditional_flow(store, 2, 3, true, 0.25);
  REQUIRE(flow->context_dim() == 3);
  const double lo = -10, hi = 10;
  const std::size_t n = 700;
  for (const auto& c : std::vector<std::vector<double>>{{0, 0, 0}, {1.5, -2, 0.3}, {-3, 1, 2.5}}) {
    const auto logp = to_host(flow->log_prob(grid_rows(c, lo, hi, n)));
    double mass = 0;
    const double cell = (hi - lo) * (hi - lo) / double(n * n);
    for (std::size_t k = 0; k < logp.extent(0); ++k) mass += std::exp(logp(k)) * cell;
    INFO("context " << c[0] << ", " << c[1] << ", " << c[2]);
    CHECK(mass == Approx(1.0).margin(1e-4));
  }
  // The densities differ between contexts (the context is read), even though each integrates to one.
  const auto a = to_host(flow->log_prob(grid_rows({0, 0, 0}, -1, 1, 3)));
  const auto b = to_host(flow->log_prob(grid_rows({-3, 1, 2.5}, -1, 1, 3)));
  double difference = 0;
  for (std::size_t k = 0; k < a.extent(0); ++k) difference += std::abs(a(k) - b(k));
  CHECK(difference > 1e-2);
}

TEST_CASE("conditional flow: d log p(x | c) / d[c | x] and every parameter gradient match finite differences",
          "[flow][context][gradient]") {
  for (const bool embedding : {true, false}) {
    SECTION(embedding ? "with an embedding network" : "standardised context only") {
      ParameterStore store;
      auto flow = conditional_flow(store, 3, 2, embedding);
      Matrix rows = random_matrix(5, 2 + 3, 31);
      const Vector w = random_vector(5, 32);
      const auto wh = to_host(w);
      auto loss = [&] { return weighted_sum(flow->log_prob(rows), wh); };
      store.zero_gradients();
      flow->log_prob(rows);
      Matrix drows("drows", 5, 5);
      Kokkos::deep_copy(drows, flow->log_prob_backward(w));
      const auto report = finite_difference_check(loss, rows, drows, &store);
      INFO(report.where);
      CHECK(report.worst < 1e-6);
    }
  }
}

TEST_CASE("conditional flow: the sampling path's gradients, the context's among them, match finite differences",
          "[flow][context][gradient]") {
  ParameterStore store;
  auto flow = conditional_flow(store, 3, 2);
  Matrix z = random_matrix(4, 3, 41), c = random_matrix(4, 2, 42);
  const auto w = to_host(random_matrix(4, 3, 43));
  const Vector v = random_vector(4, 44);
  const auto vh = to_host(v);
  Vector log_q;
  auto loss = [&] {
    const Matrix x = flow->sample_from_base(z, log_q, c);
    return weighted_sum(x, w) + weighted_sum(log_q, vh);
  };
  store.zero_gradients();
  flow->sample_from_base(z, log_q, c);
  Matrix wd("w", 4, 3), dz("dz", 4, 3), dc("dc", 4, 2);
  Kokkos::deep_copy(wd, w);
  Kokkos::deep_copy(dz, flow->sample_backward(wd, v));
  Kokkos::deep_copy(dc, flow->context_gradient());
  const auto through_z = finite_difference_check(loss, z, dz, &store);
  INFO(through_z.where);
  CHECK(through_z.worst < 1e-6);
  const auto through_c = finite_difference_check(loss, c, dc, nullptr);
  INFO(through_c.where);
  CHECK(through_c.worst < 1e-6);
}

TEST_CASE("conditional flow: log p(x | c) of a sample equals the sampler's log q, per context", "[flow][context]") {
  ParameterStore store;
  auto flow = conditional_flow(store, 4, 3);
  Matrix z = random_matrix(8, 4, 5), c = random_matrix(8, 3, 6, 2.0);
  Vector log_q;
  const auto x = to_host(flow->sample_from_base(z, log_q, c));
  const auto lq = to_host(log_q);
  const auto ch = to_host(c);
  HostMatrix rows_host("rows", 8, 7);
  for (std::size_t i = 0; i < 8; ++i) {
    for (std::size_t j = 0; j < 3; ++j) rows_host(i, j) = ch(i, j);
    for (std::size_t j = 0; j < 4; ++j) rows_host(i, 3 + j) = x(i, j);
  }
  Matrix rows("rows", 8, 7);
  Kokkos::deep_copy(rows, rows_host);
  const auto lp = to_host(flow->log_prob(rows));
  for (std::size_t i = 0; i < 8; ++i) CHECK(lq(i) == Approx(lp(i)).margin(1e-10));
}

TEST_CASE("conditional flow: layers that cannot take a context are refused by name", "[flow][context][spec]") {
  for (const char* type : {"planar", "radial", "batchnorm"}) {
    ParameterStore store;
    const json spec = {
        {"model", {{"repeat", 1}, {"layers", json::array({json{{"type", "affine_coupling"}}, json{{"type", type}}})}}}};
    CHECK_THROWS_WITH(flow_from_spec(spec, 2, store, 1, 2),
                      Catch::Contains("model.layers[1].type") && Catch::Contains(type) &&
                          Catch::Contains("conditional flow"));
  }
  ParameterStore store;
  const json with_embedding = {
      {"model", {{"context_embedding", json::object()}, {"layers", json::array({json{{"type", "maf"}}})}}}};
  CHECK_THROWS_WITH(flow_from_spec(with_embedding, 2, store, 1),
                    Catch::Contains("model.context_embedding") && Catch::Contains("no context"));
}
