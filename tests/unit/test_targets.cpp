// Targets (unnormalised densities) and the reverse-KL objective: gradients
// against finite differences, normalisation by quadrature, analytic values,
// and a flow trained by reverse KL to a correlated Gaussian.
#include "gradient_check.hpp"
#include "spec_run.hpp"

#include "core/error.hpp"
#include "distributions/targets/energy_2d.hpp"
#include "distributions/targets/gaussian_mixture.hpp"
#include "distributions/targets/phi4_lattice.hpp"
#include "model_from_spec.hpp"
#include "problems/evaluation.hpp"
#include "experiment/runner.hpp"
#include "experiment/spec.hpp"
#include "objectives/reverse_kl.hpp"

#include <filesystem>
#include <fstream>

using namespace tractable;
using namespace tractable::testing;
using nlohmann::json;

namespace {
std::vector<std::pair<std::string, std::shared_ptr<Target>>> all_targets() {
  return {
      {"u1", std::make_shared<Energy2d>(Energy2d::Kind::u1)},
      {"u2", std::make_shared<Energy2d>(Energy2d::Kind::u2)},
      {"u3", std::make_shared<Energy2d>(Energy2d::Kind::u3)},
      {"u4", std::make_shared<Energy2d>(Energy2d::Kind::u4)},
      {"double_well", std::make_shared<Energy2d>(Energy2d::Kind::double_well)},
      {"gaussian_mixture",
       std::make_shared<GaussianMixture>(std::vector<std::vector<double>>{{-2, 0}, {2, 1}},
                                         std::vector<std::vector<std::vector<double>>>{{{1, 0.5}, {0.5, 2}}, {{0.3, 0}, {0, 0.3}}},
                                         std::vector<double>{1, 3}, "t")},
      {"correlated_gaussian D=4", std::make_shared<GaussianMixture>(GaussianMixture::correlated(4, 0.9, 1.5, "t"))},
      {"phi4 L=4", std::make_shared<Phi4Lattice>(4, -4.0, 8.0)},
      {"phi4 L=3 (odd side)", std::make_shared<Phi4Lattice>(3, 1.5, 0.5)},
  };
}
}  // namespace

TEST_CASE("every target: ∇ log p̃ matches finite differences, walls included", "[target][gradient]") {
  for (const auto& entry : all_targets()) {
    const auto& name = entry.first;  // named members: the lambdas below capture `target`, which C++17 does not
    const auto& target = entry.second;  // allow for a structured binding (nvcc warns)
    SECTION(name) {
      // Lattice fields live at |φ| ≈ 1; at 2 the λφ⁴ terms sum to ~10⁴ and swamp the finite differences.
      Matrix x = random_matrix(6, target->dim(), 4, name.rfind("phi4", 0) == 0 ? 1.0 : 2.0);
      auto xh = to_host(x);
      if (target->dim() == 2) {  // points beyond the (−4, 4)² walls too
        xh(0, 0) = 4.7;
        xh(1, 1) = -5.2;
      }
      Kokkos::deep_copy(x, xh);
      Matrix grad("grad", 6, target->dim());
      target->log_density_gradient(x, grad);
      Vector lp("lp", 6);
      // Σ_i log p̃(x_i) differentiated row by row.
      auto loss = [&] {
        target->log_density(x, lp);
        double s = 0;
        const auto h = to_host(lp);
        for (std::size_t i = 0; i < 6; ++i) s += h(i);
        return s;
      };
      const auto report = finite_difference_check(loss, x, grad, nullptr);
      INFO(report.where);
      CHECK(report.worst < 1e-6);
    }
  }
}

TEST_CASE("targets: analytic values", "[target]") {
  HostMatrix ph("p", 1, 2);
  ph(0, 0) = 1.0;
  ph(0, 1) = 0.3;
  Matrix p("p", 1, 2);
  Kokkos::deep_copy(p, ph);
  Vector out("out", 1);
  Energy2d(Energy2d::Kind::u2).log_density(p, out);
  const double w1 = std::sin(M_PI / 2);  // sin(2π·1/4)
  CHECK(to_host(out)(0) == Approx(-0.5 * std::pow((0.3 - w1) / 0.4, 2)));
  Energy2d(Energy2d::Kind::double_well).log_density(p, out);
  CHECK(to_host(out)(0) == Approx(-(1.0 - 6.0 + 1.0 + 0.5 * 0.09)));
  // A single Gaussian: log N(0; 0, Σ) = −½ log det(2πΣ); AR(1) det = scale^{2D} (1 − ρ²)^{D−1}.
  const auto g = GaussianMixture::correlated(3, 0.5, 2.0, "t");
  Matrix zero("zero", 1, 3);
  g.log_density(zero, out);
  const double log_det = 3 * std::log(4.0) + 2 * std::log(1 - 0.25);
  CHECK(to_host(out)(0) == Approx(-0.5 * (3 * std::log(2 * M_PI) + log_det)));
  CHECK(g.gaussian_entropy() == Approx(0.5 * 3 * (1 + std::log(2 * M_PI)) + 0.5 * log_det));
}

TEST_CASE("targets: a 2D mixture integrates to one by quadrature", "[target]") {
  const auto targets = all_targets();
  CHECK(quadrature_log_normalizer(*targets[5].second, -10, 10, 800) == Approx(0).margin(1e-6));
  // Each energy has a finite normaliser (the walls keep U2–U4 integrable).
  for (std::size_t k = 0; k < 5; ++k) {
    INFO(targets[k].first);
    const double a = quadrature_log_normalizer(*targets[k].second, -8, 8, 1200);
    const double b = quadrature_log_normalizer(*targets[k].second, -8, 8, 1600);
    CHECK(std::isfinite(a));
    CHECK(a == Approx(b).margin(1e-4));  // converged in the resolution
  }
}

TEST_CASE("targets: invalid mixtures are named by their spec path", "[target]") {
  using M = std::vector<std::vector<double>>;
  using C = std::vector<std::vector<std::vector<double>>>;
  CHECK_THROWS_WITH(GaussianMixture(M{{0, 0}, {1}}, {}, {}, "objective.target"),
                    Catch::Contains("objective.target.means[1]"));
  CHECK_THROWS_WITH(GaussianMixture(M{{0, 0}}, C{{{1, 2}, {2, 1}}}, {}, "objective.target"),
                    Catch::Contains("objective.target.covariances[0]: not positive definite"));
  CHECK_THROWS_WITH(GaussianMixture(M{{0, 0}}, C{{{1, 0.1}, {0, 1}}}, {}, "objective.target"),
                    Catch::Contains("not symmetric"));
  CHECK_THROWS_WITH(GaussianMixture(M{{0, 0}}, {}, {1, 2}, "objective.target"), Catch::Contains("objective.target.weights"));
}

TEST_CASE("reverse KL: parameter gradients through the sampling path match finite differences", "[objective][gradient]") {
  ParameterStore store;
  const RunSpec spec = resolve_spec(
      {{"model", {{"hidden", 8}, {"depth", 1}, {"activation", "tanh"}, {"repeat", 2},
                  {"layers", json::array({json{{"type", "affine_coupling"}}, json{{"type", "maf"}, {"hidden", 8}}})}}},
       {"objective", {{"type", "reverse_kl"}, {"target", {{"type", "u3"}}}}}},
      {}, "test");
  auto flow = flow_from_spec(spec, 2, store, 1);
  store.allocate();
  Matrix flat(store.values().data(), 1, store.size());
  RandomStream(6, 0, Stream::init).fill_normal(flat, 0, 0.3);
  TargetContext none;
  const auto target = spec.target->build(none);
  ReverseKl objective(*flow, *target);
  Matrix z = random_matrix(5, 2, 31);
  store.zero_gradients();
  objective.sum_and_backward(z, 0.2);
  Matrix no_input_gradient("none", 0, 0);
  const auto report = finite_difference_check([&] { return 0.2 * objective.sum(z); }, no_input_gradient,
                                              no_input_gradient, &store);
  INFO(report.where);
  CHECK(report.worst < 1e-6);
}

TEST_CASE("reverse KL: a flow fits a correlated Gaussian to KL(q||p) < 0.01 nats", "[end-to-end][objective]") {
  const std::string out = "reverse_kl_gaussian.h5";
  const auto s = run_spec_text(R"({
    "name": "correlated_gaussian",
    "model": {"hidden": 32, "depth": 1, "activation": "tanh",
              "layers": [{"type": "affine_coupling"}, {"type": "random_permutation"}], "repeat": 4},
    "objective": {"type": "reverse_kl", "eval_samples": 100000,
                  "target": {"type": "correlated_gaussian", "dim": 4, "correlation": 0.9, "scale": 1.0}},
    "optimizer": {"type": "adam", "lr": 3e-3, "schedule": {"type": "cosine", "final_fraction": 0.02}},
    "training": {"steps": 1500, "batch_size": 256, "eval_every": 0, "checkpoint_every": 1500},
    "output": {"n_samples": 0}
  })", out);
  // p is normalised, so KL(q‖p) = −ELBO, estimated over 1e5 samples of q.
  INFO("KL(q||p) = " << s.result("kl") << ", ESS fraction " << s.result("ess_fraction"));
  CHECK(s.result("kl") < 0.01);
  CHECK(s.result("kl") > -0.005);  // a KL is non-negative up to Monte Carlo error
  CHECK(s.result("log_z") == Approx(0).margin(0.01));
  std::filesystem::remove(out);
}

TEST_CASE("reverse KL specs: the target decides the distribution, data is refused", "[spec]") {
  const json raw = {{"objective", {{"type", "reverse_kl"}, {"target", {{"type", "u1"}}}}}};
  const json s = resolve_spec_json(raw, {}, "spec.json");
  CHECK_FALSE(s.contains("data"));
  json with_data = raw;
  with_data["data"] = {{"name", "moons"}};
  CHECK_THROWS_WITH(resolve_spec_json(with_data, {}, "spec.json"), Catch::Contains("data: not used by objective 'reverse_kl'"));
  CHECK_THROWS_WITH(resolve_spec_json({{"objective", {{"type", "reverse_kl"}}}}, {}, "spec.json"),
                    Catch::Contains("objective.target: missing required key"));
  CHECK_THROWS_WITH(resolve_spec_json({{"objective", {{"type", "reverse_kl"}, {"target", {{"type", "u5"}}}}}}, {}, "spec.json"),
                    Catch::Contains("objective.target.type") && Catch::Contains("did you mean 'u1'"));
  CHECK_THROWS_WITH(resolve_spec_json({{"objective", {{"type", "nll"}, {"target", {{"type", "u1"}}}}}}, {}, "spec.json"),
                    Catch::Contains("belongs to type 'reverse_kl'"));
}
