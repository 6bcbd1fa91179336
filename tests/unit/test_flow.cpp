// The flow as a whole: log p(x) integrates to one, NLL gradients and the
// sampling path's gradients against finite differences, and sample/log_prob
// agreement.
#include "gradient_check.hpp"

#include "model_from_spec.hpp"
#include "experiment/spec.hpp"
#include "distributions/bases/gaussian_mixture_base.hpp"
#include "flows/flow.hpp"
#include "objectives/negative_log_likelihood.hpp"

using namespace tractable;
using namespace tractable::testing;
using nlohmann::json;

namespace {
// A small RealNVP with random parameters, built through the same spec path the CLI uses.
std::unique_ptr<Flow> small_flow(ParameterStore& store, std::size_t dim, double scale = 0.3) {
  json raw = {{"model",
               {{"hidden", 8},
                {"depth", 1},
                {"activation", "tanh"},
                {"repeat", 2},
                {"layers", json::array({json{{"type", "affine_coupling"}}, json{{"type", "random_permutation"}},
                                        json{{"type", "affine_coupling"}, {"mask", "half"}},
                                        json{{"type", "reverse"}}})}}}};
  auto flow = flow_from_spec(raw, dim, store, 3);
  store.allocate();
  Matrix flat(store.values().data(), 1, store.size());
  RandomStream(4, 0, Stream::init).fill_normal(flat, 0, scale);
  return flow;
}

// ∫ p and ∫ x₁ p over [lo, hi]² by the midpoint rule on n² cells.
struct GridIntegral {
  double mass = 0, mean_x = 0;
};
GridIntegral integrate_density(Flow& flow, double lo, double hi, std::size_t n) {
  const double h = (hi - lo) / double(n);
  Matrix grid("grid", n * n, 2);
  auto gh = to_host(grid);
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t c = 0; c < n; ++c) {
      gh(r * n + c, 0) = lo + h * (double(c) + 0.5);
      gh(r * n + c, 1) = lo + h * (double(r) + 0.5);
    }
  Kokkos::deep_copy(grid, gh);
  const auto logp = to_host(flow.log_prob(grid));
  GridIntegral out;
  for (std::size_t k = 0; k < n * n; ++k) {
    out.mass += std::exp(logp(k)) * h * h;
    out.mean_x += gh(k, 0) * std::exp(logp(k)) * h * h;
  }
  return out;
}
}  // namespace

TEST_CASE("Flow: the density integrates to one (2D quadrature)", "[flow]") {
  ParameterStore store;
  auto flow = small_flow(store, 2, 0.5);
  const double mass = integrate_density(*flow, -16, 16, 800).mass;
  CHECK(mass == Approx(1.0).margin(2e-3));
}

TEST_CASE("NLL objective: gradients match finite differences", "[flow][gradient]") {
  ParameterStore store;
  auto flow = small_flow(store, 4);
  NegativeLogLikelihood nll(*flow);
  Matrix x = random_matrix(6, 4, 77);
  const double scale = 1.0 / 6;
  // Parameter gradients through the objective ...
  store.zero_gradients();
  nll.sum_and_backward(x, scale);
  const auto through_objective = to_host(store.gradients());
  // ... equal those of the flow's backward with dlogp = −1/B, which also gives dx.
  Vector dlogp("dlogp", 6);
  Kokkos::deep_copy(dlogp, -scale);
  store.zero_gradients();
  flow->log_prob(x);
  Matrix dx("dx", 6, 4);
  Kokkos::deep_copy(dx, flow->log_prob_backward(dlogp));
  const auto through_flow = to_host(store.gradients());
  for (std::size_t k = 0; k < store.size(); ++k) REQUIRE(through_objective(k) == Approx(through_flow(k)).margin(1e-14));
  ParameterStore* params = &store;
  const auto report = finite_difference_check([&] { return scale * nll.sum(x); }, x, dx, params);
  INFO(report.where);
  CHECK(report.worst < 1e-6);
}

TEST_CASE("Flow: sampling path gradients (reverse direction) match finite differences", "[flow][gradient]") {
  ParameterStore store;
  auto flow = small_flow(store, 3);
  Matrix z = random_matrix(5, 3, 88);
  const auto w = to_host(random_matrix(5, 3, 89));
  const Vector v = random_vector(5, 90);
  const auto vh = to_host(v);
  Vector log_q;
  auto loss = [&] {
    const Matrix x = flow->sample_from_base(z, log_q);
    return weighted_sum(x, w) + weighted_sum(log_q, vh);
  };
  store.zero_gradients();
  flow->sample_from_base(z, log_q);
  Matrix wd("w", 5, 3), dz("dz", 5, 3);
  Kokkos::deep_copy(wd, w);
  Kokkos::deep_copy(dz, flow->sample_backward(wd, v));
  const auto report = finite_difference_check(loss, z, dz, &store);
  INFO(report.where);
  CHECK(report.worst < 1e-6);
}

TEST_CASE("Flow: log q of a sample equals log p at that point", "[flow]") {
  ParameterStore store;
  auto flow = small_flow(store, 4);
  Matrix z = random_matrix(8, 4, 5);
  Vector log_q;
  Matrix x("x", 8, 4);
  Kokkos::deep_copy(x, flow->sample_from_base(z, log_q));
  const auto lq = to_host(log_q);
  const auto lp = to_host(flow->log_prob(x));
  for (std::size_t i = 0; i < 8; ++i) CHECK(lq(i) == Approx(lp(i)).margin(1e-10));
}

TEST_CASE("coupling masks alternate parity", "[flow]") {
  CHECK(coupling_mask("alternating", 5, 0) == std::vector<int>{1, 0, 1, 0, 1});
  CHECK(coupling_mask("alternating", 5, 1) == std::vector<int>{0, 1, 0, 1, 0});
  CHECK(coupling_mask("half", 5, 0) == std::vector<int>{1, 1, 1, 0, 0});
  CHECK(coupling_mask("half", 5, 1) == std::vector<int>{0, 0, 0, 1, 1});
}

TEST_CASE("mixture base: log p_Z and its z and parameter gradients match finite differences", "[flow][gradient]") {
  ParameterStore store;
  GaussianMixtureBase base(store, "base", 3, 4);
  store.allocate();
  Matrix flat(store.values().data(), 1, store.size());
  RandomStream(8, 0, Stream::init).fill_normal(flat, 0, 0.6);
  Matrix z = random_matrix(5, 3, 12);
  const Vector w = random_vector(5, 13);
  const auto wh = to_host(w);
  Vector out("out", 5);
  auto loss = [&] {
    base.log_prob(z, out, false);
    return weighted_sum(out, wh);
  };
  store.zero_gradients();
  Matrix dz("dz", 5, 3);
  base.log_prob_backward(z, w, dz);
  const auto report = finite_difference_check(loss, z, dz, &store);
  INFO(report.where);
  CHECK(report.worst < 1e-6);
}

TEST_CASE("mixture base: a flow over it integrates to one, and its samples follow the mixture", "[flow]") {
  ParameterStore store;
  auto flow = flow_from_spec(
      json{{"model", {{"hidden", 8}, {"depth", 1}, {"repeat", 2}, {"base", {{"type", "gaussian_mixture"}, {"components", 3}}},
                      {"layers", json::array({json{{"type", "affine_coupling"}}})}}}},
      2, store, 1);
  store.allocate();
  RandomStream init(3, 0, Stream::init);
  store.initialize(init);
  const auto [mass, mean_x] = integrate_density(*flow, -8, 8, 600);
  CHECK(mass == Approx(1.0).margin(2e-3));
  // Samples (component draw + reparameterised Gaussian + the chain) have the density's mean.
  RandomStream stream(5, 0, Stream::sample);
  Matrix z("z", 200000, 2);
  flow->base().sample(stream, z);
  Vector log_q;
  const auto x = to_host(flow->sample_from_base(z, log_q));
  double sample_mean = 0;
  for (std::size_t i = 0; i < x.extent(0); ++i) sample_mean += x(i, 0) / double(x.extent(0));
  CHECK(sample_mean == Approx(mean_x).margin(0.02));
  CHECK_FALSE(flow->base().reparameterizable());
}

TEST_CASE("base specs: a mixture base cannot be trained by reverse KL", "[spec]") {
  CHECK_THROWS_WITH(resolve_spec_json({{"model", {{"base", {{"type", "gaussian_mixture"}}}}},
                                       {"objective", {{"type", "reverse_kl"}, {"target", {{"type", "u1"}}}}}},
                                      {}, "spec.json"),
                    Catch::Contains("model.base.type") && Catch::Contains("not reparameterisable"));
  CHECK_NOTHROW(resolve_spec_json({{"model", {{"base", {{"type", "diagonal_gaussian"}}}}},
                                   {"objective", {{"type", "reverse_kl"}, {"target", {{"type", "u1"}}}}}},
                                  {}, "spec.json"));
}
