// The simulators and their reference posteriors against ground truth. The
// harness runs over every registered simulator (registry/simulator_types.hpp)
// and requires each to have its own test case tagged [simulator:NAME]: the
// likelihoods integrate to one and match the simulators' draws, the generic
// MCMC reference reproduces the closed-form gaussian_linear posterior and the
// two_moons grid, and the arm's forward kinematics at known poses.
#include <catch2/catch.hpp>

#include "registry/simulator_types.hpp"
#include "data/file_loaders.hpp"
#include "io/hdf5_file.hpp"
#include "sbi/tasks/bernoulli_glm.hpp"
#include "sbi/tasks/inverse_kinematics.hpp"
#include "sbi/tasks/lotka_volterra.hpp"
#include "sbi/tasks/sir.hpp"
#include "sbi/tasks/slcp_distractors.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <filesystem>
#include <set>

using namespace tractable;

namespace {
struct Moments {
  double mean = 0, sd = 0;
};
template <class F>
Moments moments(const HostMatrix& m, F f) {
  Moments out;
  const std::size_t n = m.extent(0);
  for (std::size_t i = 0; i < n; ++i) out.mean += f(i) / double(n);
  for (std::size_t i = 0; i < n; ++i) out.sd += (f(i) - out.mean) * (f(i) - out.mean) / double(n);
  out.sd = std::sqrt(out.sd);
  return out;
}

// The score identities at θ [D], coordinate by coordinate, by central differences of log p(x | θ) over n
// simulations x ~ p(x | θ): E[∂ℓ] = 0 (the normaliser does not depend on θ) and E[(∂ℓ)²] = −E[∂²ℓ] (the
// likelihood has the simulator's spread, not another). Each is checked to within 6 standard errors.
void check_score_identities(const Simulator& s, std::vector<double> theta, std::size_t n, double h) {
  const std::size_t D = s.parameter_dim();
  std::vector<double> x(s.observation_dim());
  for (std::size_t j = 0; j < D; ++j) {
    RandomStream r(11, int(j), Stream::data);
    double sum = 0, sum_sq = 0, score_sq = 0, score_4 = 0, curvature = 0, curvature_sq = 0;
    for (std::size_t i = 0; i < n; ++i) {
      s.simulate(r, theta.data(), x.data());
      std::vector<double> up = theta, down = theta;
      up[j] += h;
      down[j] -= h;
      const double l0 = s.log_likelihood(theta.data(), x.data()), lu = s.log_likelihood(up.data(), x.data()),
                   ld = s.log_likelihood(down.data(), x.data());
      const double score = (lu - ld) / (2 * h), second = (lu - 2 * l0 + ld) / (h * h);
      sum += score;
      sum_sq += score * score;
      score_sq += score * score;
      score_4 += score * score * score * score;
      curvature += second;
      curvature_sq += second * second;
    }
    const double N = double(n), mean = sum / N, var = sum_sq / N - mean * mean;
    const double info = score_sq / N, info_var = score_4 / N - info * info;
    const double curv = curvature / N, curv_var = curvature_sq / N - curv * curv;
    INFO(s.name() << " coordinate " << j << ": E[score] " << mean << ", E[score^2] " << info << ", -E[d2] " << -curv);
    CHECK(std::abs(mean) < 6 * std::sqrt(var / N));
    CHECK(std::abs(info + curv) < 6 * std::sqrt((info_var + curv_var) / N));
  }
}
}  // namespace

TEST_CASE("simulators: every registered simulator has its own test", "[sbi]") {
  // A new registration fails here until a test case tagged [simulator:NAME] checks its prior and likelihood
  // (or, without a likelihood, its simulator) against ground truth.
  std::set<std::string> tested;
  for (const auto& test : Catch::getRegistryHub().getTestCaseRegistry().getAllTests())
    for (const auto& tag : test.tags)
      if (tag.rfind("simulator:", 0) == 0) tested.insert(tag.substr(10));
  for (const auto& type : simulator_registry().types()) {
    INFO(type.name);
    CHECK(tested.count(type.name) == 1);
    const auto s = type.make();
    CHECK(bool(type.reference) == !type.reference_method.empty());
    // A reference posterior without a likelihood must come from simulation (ABC), which the method says.
    if (!s->has_likelihood() && type.reference) CHECK(type.reference_method.find("ABC") != std::string::npos);
  }
}

TEST_CASE("simulators: no row draws past its share of the stream", "[sbi]") {
  // Rows' streams start draws_per_row() apart; a simulator that draws more would share draws between rows.
  for (const auto& type : simulator_registry().types()) {
    const auto s = type.make();
    std::vector<double> theta(s->parameter_dim()), x(s->observation_dim());
    for (int row = 0; row < 200; ++row) {
      RandomStream r(9, row, Stream::data);
      s->sample_prior(r, theta.data());
      s->simulate(r, theta.data(), x.data());
      INFO(type.name << ": " << r.counter() << " draws for one row, declared " << s->draws_per_row());
      CHECK(r.counter() <= s->draws_per_row());
    }
  }
}

TEST_CASE("simulators: seeded rows, prefix-stable, observation first", "[sbi]") {
  for (const auto& type : simulator_registry().types()) {
    const auto s = type.make();
    const HostMatrix a = simulate_rows(*s, 50, 3, SimulationBlock::training), b = simulate_rows(*s, 20, 3, SimulationBlock::training),
                     c = simulate_rows(*s, 20, 3, SimulationBlock::test);
    REQUIRE(a.extent(1) == s->observation_dim() + s->parameter_dim());
    bool differs = false;
    for (std::size_t i = 0; i < 20; ++i)
      for (std::size_t j = 0; j < a.extent(1); ++j) {
        CHECK(a(i, j) == b(i, j));
        differs = differs || a(i, j) != c(i, j);
      }
    CHECK(differs);  // another block is another set of simulations
    for (std::size_t i = 0; i < 50; ++i) {
      std::vector<double> theta(s->parameter_dim());
      for (std::size_t j = 0; j < theta.size(); ++j) theta[j] = a(i, s->observation_dim() + j);
      CHECK(std::isfinite(s->log_prior(theta.data())));
    }
  }
  CHECK_THROWS_WITH(make_simulator("three_moons", "data.simulator"),
                    Catch::Contains("data.simulator") && Catch::Contains("three_moons") && Catch::Contains("two_moons"));
}

TEST_CASE("simulators: the two_moons likelihood integrates to one over x (2-D quadrature)", "[sbi][simulator:two_moons]") {
  // two_moons at two parameters (slcp's Gaussians are checked against their draws below).
  const auto moons = make_simulator("two_moons");
  for (const auto& theta : std::vector<std::array<double, 2>>{{0.3, -0.5}, {-0.8, 0.1}}) {
    // The density jumps at the half circle's ends, so the midpoint rule converges like h: a fine grid.
    const std::size_t n = 4000;
    const double lo = -1.2, hi = 1.2, h = (hi - lo) / double(n);
    double mass = 0;
    for (std::size_t a = 0; a < n; ++a)
      for (std::size_t b = 0; b < n; ++b) {
        const double x[2] = {lo + h * (double(a) + 0.5), lo + h * (double(b) + 0.5)};
        mass += std::exp(moons->log_likelihood(theta.data(), x)) * h * h;
      }
    CHECK(mass == Approx(1.0).margin(2e-3));
  }
}

TEST_CASE("simulators: the slcp likelihood is the density the simulator draws from", "[sbi][simulator:slcp]") {
  // Mean log-likelihood of simulated x equals minus the entropy; the slcp check compares it with the
  // Gaussian's closed-form entropy, and the draws' covariance with Σ.
  const auto slcp = make_simulator("slcp");
  const double theta[5] = {0.5, -1.0, 1.2, -0.7, 0.8};
  RandomStream r(5, 0, Stream::data);
  const std::size_t n = 200000;
  double mean_ll = 0, sxx = 0, syy = 0, sxy = 0;
  double x[8];
  for (std::size_t i = 0; i < n; ++i) {
    slcp->simulate(r, theta, x);
    mean_ll += slcp->log_likelihood(theta, x) / double(n);
    for (int k = 0; k < 4; ++k) {
      const double a = x[2 * k] - theta[0], b = x[2 * k + 1] - theta[1];
      sxx += a * a / (4.0 * n);
      syy += b * b / (4.0 * n);
      sxy += a * b / (4.0 * n);
    }
  }
  const double s1 = theta[2] * theta[2], s2 = theta[3] * theta[3], rho = std::tanh(theta[4]);
  const double det = s1 * s1 * s2 * s2 * (1 - rho * rho);
  const double entropy = 4 * (1 + std::log(2 * M_PI) + 0.5 * std::log(det));
  CHECK(mean_ll == Approx(-entropy).margin(0.02));
  CHECK(sxx == Approx(s1 * s1).epsilon(0.01));
  CHECK(syy == Approx(s2 * s2).epsilon(0.01));
  CHECK(sxy == Approx(rho * s1 * s2).epsilon(0.02));
  check_score_identities(*slcp, {0.5, -1.0, 1.2, -0.7, 0.8}, 40000, 1e-4);
}

TEST_CASE("reference posteriors: MCMC reproduces the closed-form gaussian_linear posterior", "[sbi][simulator:gaussian_linear]") {
  const auto s = make_simulator("gaussian_linear");
  const HostMatrix obs = simulate_rows(*s, 1, 9, SimulationBlock::observations);
  std::vector<double> x(10);
  for (int j = 0; j < 10; ++j) x[j] = obs(0, j);
  ReferenceSettings settings;
  settings.sir_draws = 20000;
  const auto mcmc = slice_sampling_reference()(*s, x.data(), 8000, 4, settings);
  const auto exact = simulator_registry().at("gaussian_linear", "test").reference(*s, x.data(), 8000, 4, settings);
  CHECK(exact.method.find("closed form") != std::string::npos);
  for (int j = 0; j < 10; ++j) {
    const auto m = moments(mcmc.samples, [&](std::size_t i) { return double(mcmc.samples(i, j)); });
    const auto e = moments(exact.samples, [&](std::size_t i) { return double(exact.samples(i, j)); });
    INFO("coordinate " << j);
    CHECK(m.mean == Approx(x[j] / 2).margin(0.02));   // sd 0.224, ~2000 effective draws: 0.005 standard error
    CHECK(m.sd == Approx(std::sqrt(0.05)).margin(0.015));
    CHECK(e.mean == Approx(x[j] / 2).margin(0.012));
    CHECK(e.sd == Approx(std::sqrt(0.05)).margin(0.01));
  }
  check_score_identities(*s, std::vector<double>(x.begin(), x.end()), 40000, 1e-4);
}

TEST_CASE("reference posteriors: the two_moons grid and MCMC agree on what the posterior's symmetry keeps", "[sbi]") {
  // p(θ | x) is invariant under θ -> (−θ2, −θ1), so θ1 − θ2 and |θ1 + θ2| are the same on both crescents
  // whatever share of chains each one holds.
  const auto s = make_simulator("two_moons");
  const double x[2] = {0.05, -0.2};
  ReferenceSettings settings;
  settings.grid = 1024;
  const auto grid = simulator_registry().at("two_moons", "test").reference(*s, x, 6000, 2, settings);
  const auto mcmc = slice_sampling_reference()(*s, x, 6000, 2, settings);
  // (Named members, not structured bindings: C++17 does not let a lambda capture those; nvcc warns.)
  for (const auto& statistic : std::vector<std::pair<const char*, std::function<double(const HostMatrix&, std::size_t)>>>{
           {"theta1 - theta2", [](const HostMatrix& m, std::size_t i) { return double(m(i, 0) - m(i, 1)); }},
           {"|theta1 + theta2|", [](const HostMatrix& m, std::size_t i) { return std::abs(double(m(i, 0) + m(i, 1))); }}}) {
    const char* label = statistic.first;
    const auto& f = statistic.second;
    const auto a = moments(grid.samples, [&](std::size_t i) { return f(grid.samples, i); });
    const auto b = moments(mcmc.samples, [&](std::size_t i) { return f(mcmc.samples, i); });
    INFO(label);
    CHECK(a.mean == Approx(b.mean).margin(0.01));
    CHECK(a.sd == Approx(b.sd).margin(0.01));
  }
}

TEST_CASE("inverse kinematics: the arm at known poses, and ABC draws land within epsilon", "[sbi][simulator:inverse_kinematics]") {
  double y[2];
  const double straight[4] = {0.3, 0, 0, 0};
  arm_end_point(straight, y);
  CHECK(y[0] == Approx(2.0));
  CHECK(y[1] == Approx(0.3));
  const double up[4] = {-0.2, M_PI / 2, 0, 0};
  arm_end_point(up, y);
  CHECK(y[0] == Approx(0).margin(1e-12));
  CHECK(y[1] == Approx(1.8));
  const double folded[4] = {0, 0, M_PI, 0};  // 0.5 out, 0.5 back, 1.0 back: x = −1
  arm_end_point(folded, y);
  CHECK(y[0] == Approx(-1.0));
  CHECK(y[1] == Approx(0).margin(1e-12));
  const auto s = make_simulator("inverse_kinematics");
  CHECK_FALSE(s->has_likelihood());
  const double target[2] = {1.5, 0.2};
  const auto ref = simulator_registry().at("inverse_kinematics", "test").reference(*s, target, 500, 1, {});
  for (std::size_t i = 0; i < 500; ++i) {
    const double x[4] = {ref.samples(i, 0), ref.samples(i, 1), ref.samples(i, 2), ref.samples(i, 3)};
    arm_end_point(x, y);
    CHECK(std::hypot(y[0] - target[0], y[1] - target[1]) < 0.05 + 1e-6);
  }
}

namespace {
// sbibm's own data for `task` (cluster/fetch-sbibm.sh, which the test command runs first).
std::string official_file(const std::string& task) {
  const std::string path = std::string(TRACTABLE_SOURCE_DIR) + "/data/sbibm/sbibm_" + task + ".h5";
  INFO(path << " is missing: run cluster/fetch-sbibm.sh");
  REQUIRE(std::filesystem::exists(path));
  return path;
}
std::vector<double> row(const HostMatrix& m, std::size_t i) {
  std::vector<double> out(m.extent(1));
  for (std::size_t j = 0; j < out.size(); ++j) out[j] = m(i, j);
  return out;
}
}  // namespace

TEST_CASE("simulators: each of sbibm's official observations is a typical draw at its true parameters", "[sbi][sbibm]") {
  // For every registered simulator that is an sbibm task: at each of the 10 official (θ_o, x_o), θ_o lies in
  // the prior's support and, where the likelihood is tractable, log p(x_o | θ_o) is not in the lowest
  // 0.02 % of log p(x | θ_o) over 10,000 fresh simulations x ~ p(x | θ_o) (x_o is no improbable draw of ours),
  // and the 10 ranks of a task average near ½ (uniform draws when the simulators agree: mean ½, sd 0.09). A
  // simulator narrower than sbibm's puts the ranks near 0, a wider one near 1. Fresh draws are rounded to
  // float32 as x_o was: slcp_distractors' Student-t scales have condition numbers near 10¹⁶, so its density
  // at a rounded point is the rounding's, not the draw's. (No upper bound per
  // observation: log p is bounded above, and two_moons' observation 5 lies at its mode, rank 0.9999.)
  std::size_t checked = 0;
  for (const auto& type : simulator_registry().types()) {
    if (type.benchmark.empty()) continue;
    const auto s = type.make();
    const std::string file = official_file(type.benchmark);
    double rank_sum = 0;
    for (int n = 1; n <= 10; ++n) {
      INFO(type.name << ", observation " << n);
      const HostMatrix x_o = load_hdf5_dataset(file, type.benchmark_observations + std::to_string(n));
      const HostMatrix theta_o = load_hdf5_dataset(file, "theta_" + std::to_string(n));
      REQUIRE(x_o.extent(1) == s->observation_dim());
      REQUIRE(theta_o.extent(1) == s->parameter_dim());
      const auto theta = row(theta_o, 0), x = row(x_o, 0);
      CHECK(std::isfinite(s->log_prior(theta.data())));
      if (!s->has_likelihood()) continue;
      const double observed = s->log_likelihood(theta.data(), x.data());
      REQUIRE(std::isfinite(observed));
      RandomStream r(17, n, Stream::data);
      std::vector<double> fresh(s->observation_dim());
      std::size_t below = 0;
      const std::size_t sims = 10000;
      for (std::size_t k = 0; k < sims; ++k) {
        s->simulate(r, theta.data(), fresh.data());
        for (auto& v : fresh) v = double(float(v));  // sbibm stored x_o in float32: ours the same way
        below += s->log_likelihood(theta.data(), fresh.data()) < observed;
      }
      const double rank = double(below) / double(sims);
      INFO("rank of log p(x_o | theta_o) among fresh simulations: " << rank);
      CHECK(rank > 0.0002);
      rank_sum += rank;
      ++checked;
    }
    INFO(type.name << ": mean rank " << rank_sum / 10);
    if (s->has_likelihood()) CHECK(std::abs(rank_sum / 10 - 0.5) < 0.3);
  }
  CHECK(checked >= 100);  // every sbibm task: each has a likelihood
}

TEST_CASE("reference posteriors: ours agree with sbibm's reference samples", "[sbi][sbibm]") {
  // At each official observation, 10,000 draws of our reference against sbibm's 10,000: every coordinate's
  // mean within 6 standard errors and its standard deviation within 5 %: the exact samplers at all 10, and
  // bernoulli_glm's slice sampler (against sbibm's Pólya-Gamma Gibbs sampler, an independent method) at the
  // first 3, 2.5 s each. (slcp's, multimodal, is judged by C2ST in the benchmark suite.)
  const std::vector<std::pair<std::string, int>> checked{{"two_moons", 10}, {"gaussian_linear", 10},
      {"gaussian_linear_uniform", 10}, {"gaussian_mixture", 10}, {"bernoulli_glm", 3}};
  for (const auto& task : checked) {
    const std::string& name = task.first;  // captured below: a structured binding cannot be (C++17)
    const auto& observations = task.second;
    const SimulatorType& type = simulator_registry().at(name, "test");
    const auto s = type.make();
    const std::string file = official_file(type.benchmark);
    ReferenceSettings settings;
    settings.grid = 1024;
    for (int n = 1; n <= observations; ++n) {
      INFO(name << ", observation " << n);
      const auto x = row(load_hdf5_dataset(file, "obs_" + std::to_string(n)), 0);
      const HostMatrix official = load_hdf5_dataset(file, "ref_" + std::to_string(n));
      const ReferenceSamples ours = type.reference(*s, x.data(), official.extent(0), 100 + n, settings);
      for (std::size_t j = 0; j < s->parameter_dim(); ++j) {
        // two_moons' posterior is symmetric under θ -> (−θ2, −θ1): compare what that symmetry keeps.
        auto f = [&](const HostMatrix& m, std::size_t i) {
          if (name != "two_moons") return double(m(i, j));
          return j == 0 ? double(m(i, 0) - m(i, 1)) : std::abs(double(m(i, 0) + m(i, 1)));
        };
        const auto a = moments(ours.samples, [&](std::size_t i) { return f(ours.samples, i); });
        const auto b = moments(official, [&](std::size_t i) { return f(official, i); });
        INFO("coordinate " << j << ": ours " << a.mean << " ± " << a.sd << ", sbibm's " << b.mean << " ± " << b.sd);
        CHECK(std::abs(a.mean - b.mean) < 6 * b.sd * std::sqrt(2.0 / double(official.extent(0))));
        CHECK(a.sd == Approx(b.sd).epsilon(0.05));
      }
    }
  }
}

TEST_CASE("simulators: gaussian_linear_uniform and gaussian_mixture against their closed forms", "[sbi][simulator:gaussian_linear_uniform][simulator:gaussian_mixture]") {
  // The likelihoods satisfy the score identities at parameters inside the box; the mixture's draws have
  // the mixture's variance, ½ (1 + 0.01) per coordinate.
  const auto uniform = make_simulator("gaussian_linear_uniform");
  check_score_identities(*uniform, {0.3, -0.7, 0.1, 0.9, -0.2, 0.5, -0.5, 0.0, 0.6, -0.9}, 40000, 1e-4);
  const auto mixture = make_simulator("gaussian_mixture");
  check_score_identities(*mixture, {1.5, -4.0}, 40000, 1e-4);
  RandomStream r(3, 0, Stream::data);
  const double theta[2] = {2.0, -1.0};
  double x[2], sum = 0, sum_sq = 0;
  const std::size_t n = 200000;
  for (std::size_t i = 0; i < n; ++i) {
    mixture->simulate(r, theta, x);
    sum += x[0] - theta[0];
    sum_sq += (x[0] - theta[0]) * (x[0] - theta[0]);
  }
  CHECK(sum / double(n) == Approx(0).margin(0.01));
  CHECK(sum_sq / double(n) == Approx(0.505).epsilon(0.01));
  // The truncated reference stays in the box even for an observation near its edge.
  const double edge[2] = {9.95, -9.9};
  const auto ref = simulator_registry().at("gaussian_mixture", "test").reference(*mixture, edge, 2000, 1, {});
  for (std::size_t i = 0; i < 2000; ++i) {
    CHECK(std::abs(double(ref.samples(i, 0))) <= 10);
    CHECK(std::abs(double(ref.samples(i, 1))) <= 10);
  }
}

TEST_CASE("simulators: sir and lotka_volterra, ODE models with tractable noise", "[sbi][simulator:sir][simulator:lotka_volterra]") {
  // The ODE solutions against what is known of them: SIR conserves N and, with R₀ = β/γ = 3.2, infects about
  // the fraction z of the final-size equation z = 1 − exp(−R₀ z) by t → ∞ (t = 153 is past the peak); the
  // Lotka–Volterra solution keeps its first integral V = δx − γ log x + βy − α log y. Then the likelihoods'
  // score identities at typical parameters.
  const double sir_theta[2] = {0.4, 0.125};
  const auto fraction = Sir::infected_fraction(sir_theta);
  CHECK(fraction[0] == Approx(1e-6));
  CHECK(*std::max_element(fraction.begin(), fraction.end()) > 0.05);
  const double lv_theta[4] = {0.9, 0.05, 0.8, 0.04};
  const auto u = LotkaVolterra::populations(lv_theta);
  auto invariant = [&](double x, double y) {
    return lv_theta[3] * x - lv_theta[2] * std::log(x) + lv_theta[1] * y - lv_theta[0] * std::log(y);
  };
  for (int k = 0; k < 10; ++k) CHECK(invariant(u[k], u[10 + k]) == Approx(invariant(30, 1)).epsilon(1e-7));
  check_score_identities(*make_simulator("sir"), {0.4, 0.125}, 4000, 1e-6);
  check_score_identities(*make_simulator("lotka_volterra"), {0.9, 0.05, 0.8, 0.04}, 4000, 1e-6);
}

namespace {
// sbibm's fixed arrays of a task as the workplace's copy has them (aux/NAME in data/sbibm/sbibm_<task>_aux.h5,
// which cluster/fetch-sbibm.sh copies where that copy is reached); empty where it is not.
std::optional<std::vector<double>> fixed_array(const std::string& task, const std::string& name) {
  const std::string path = std::string(TRACTABLE_SOURCE_DIR) + "/data/sbibm/sbibm_" + task + "_aux.h5";
  if (!std::filesystem::exists(path)) {
    WARN(path << " is missing: " << name << " is checked through the observations only");
    return std::nullopt;
  }
  return Hdf5File(path, Hdf5File::Mode::read_only).read<double>("aux/" + name);
}
}  // namespace

TEST_CASE("simulators: bernoulli_glm's design matrix is sbibm's, and the summary is Vᵀy", "[sbi][simulator:bernoulli_glm][simulator:bernoulli_glm_raw]") {
  const auto& V = BernoulliGlm::design_matrix();
  const std::size_t T = BernoulliGlm::kSteps, P = BernoulliGlm::kParameters;
  // The stimulus rebuilt from RandomState(42): sbibm's first values, and its arrays where the copy has them.
  CHECK(BernoulliGlm::stimulus()[0] == Approx(0.49671414).epsilon(1e-7));
  CHECK(BernoulliGlm::stimulus()[1] == Approx(-0.1382643).epsilon(1e-7));
  if (const auto stimulus = fixed_array("bernoulli_glm", "stimulus_I"))
    for (std::size_t t = 0; t < T; ++t) CHECK(BernoulliGlm::stimulus()[t] == (*stimulus)[t]);
  if (const auto design = fixed_array("bernoulli_glm", "design_matrix"))
    for (std::size_t t = 0; t < T; ++t)
      for (std::size_t j = 0; j < P; ++j) CHECK(V[t * P + j] == (*design)[t * P + j]);
  // Each official spike train's Vᵀy is the official summary (sbibm computed it in float32).
  const std::string file = official_file("bernoulli_glm");
  for (int n = 1; n <= 10; ++n) {
    const HostMatrix y = load_hdf5_dataset(file, "obs_raw_" + std::to_string(n)), x = load_hdf5_dataset(file, "obs_" + std::to_string(n));
    for (std::size_t j = 0; j < P; ++j) {
      double s = 0;
      for (std::size_t t = 0; t < T; ++t) s += V[t * P + j] * double(y(0, t));
      INFO("observation " << n << ", statistic " << j);
      CHECK(s == Approx(double(x(0, j))).margin(1e-4));
    }
  }
  // The raw and summary simulators draw the same spikes from the same stream; the likelihoods agree.
  BernoulliGlm summary(false), raw(true);
  RandomStream a(5, 0, Stream::data), b(5, 0, Stream::data), prior(6, 0, Stream::data);
  std::vector<double> theta(P), x(P), y(T);
  for (int i = 0; i < 20; ++i) {
    summary.sample_prior(prior, theta.data());
    summary.simulate(a, theta.data(), x.data());
    raw.simulate(b, theta.data(), y.data());
    CHECK(summary.log_likelihood(theta.data(), x.data()) == Approx(raw.log_likelihood(theta.data(), y.data())).epsilon(1e-12));
  }
  // The prior has precision P = diag(0.5, FᵀF): its sample covariance times P is the identity.
  RandomStream r(7, 0, Stream::data);
  const std::size_t n = 200000;
  std::vector<double> cov(P * P, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    summary.sample_prior(r, theta.data());
    for (std::size_t j = 0; j < P; ++j)
      for (std::size_t k = 0; k < P; ++k) cov[j * P + k] += theta[j] * theta[k] / double(n);
  }
  for (std::size_t j = 0; j < P; ++j)
    for (std::size_t k = 0; k < P; ++k) {
      // (Σ P)_jk from the quadratic form: P e_k is −∇ log_prior at e_k.
      double product = 0;
      for (std::size_t m = 0; m < P; ++m) {
        std::vector<double> e(P, 0.0), up, down;
        e[k] = 1.0;
        up = e;
        down = e;
        up[m] += 1e-4;
        down[m] -= 1e-4;
        const double precision_mk = -(summary.log_prior(up.data()) - summary.log_prior(down.data())) / 2e-4;
        product += cov[j * P + m] * precision_mk;
      }
      INFO("(cov P)[" << j << "][" << k << "]");
      CHECK(product == Approx(j == k ? 1.0 : 0.0).margin(0.03));
    }
  check_score_identities(summary, {-1.0, 0.4, 0.3, 0.1, -0.1, 0.2, 0.0, -0.2, 0.1, 0.05}, 20000, 1e-5);
  check_score_identities(raw, {-1.0, 0.4, 0.3, 0.1, -0.1, 0.2, 0.0, -0.2, 0.1, 0.05}, 20000, 1e-5);
}

TEST_CASE("simulators: slcp_distractors hides slcp's values among sbibm's distractors", "[sbi][simulator:slcp_distractors]") {
  const auto& d = SlcpDistractors::distractors();
  const std::size_t N = SlcpDistractors::kNoise;
  if (const auto permutation = fixed_array("slcp_distractors", "permutation_idx"))
    for (std::size_t i = 0; i < 100; ++i) CHECK(double(d.permutation[i]) == (*permutation)[i]);
  if (const auto loc = fixed_array("slcp_distractors", "gmm_loc"))
    for (std::size_t k = 0; k < 20; ++k)
      for (std::size_t i = 0; i < N; ++i) CHECK(d.loc[k * N + i] == Approx((*loc)[k * N + i]).epsilon(1e-12));
  if (const auto scale = fixed_array("slcp_distractors", "gmm_scale_tril"))
    for (std::size_t i = 0; i < scale->size(); ++i) CHECK(d.scale_tril[i] == Approx((*scale)[i]).epsilon(1e-12));
  // The official observations hold slcp's official observations at the permuted places.
  const std::string file = official_file("slcp_distractors"), slcp_file = official_file("slcp");
  for (int n = 1; n <= 10; ++n) {
    const HostMatrix x = load_hdf5_dataset(file, "obs_" + std::to_string(n)), s = load_hdf5_dataset(slcp_file, "obs_" + std::to_string(n));
    std::vector<double> row_x(100), informative(8);
    for (std::size_t i = 0; i < 100; ++i) row_x[i] = x(0, i);
    SlcpDistractors::informative(row_x.data(), informative.data());
    for (std::size_t j = 0; j < 8; ++j) CHECK(informative[j] == double(s(0, j)));
  }
  // The likelihood in θ is slcp's; the score identities hold.
  const auto s = make_simulator("slcp_distractors");
  check_score_identities(*s, {0.7, -1.2, 0.8, -1.1, 0.4}, 20000, 1e-5);
  // (That the distractors are drawn from the density log_likelihood adds for them, and that sbibm's are typical
  // under it, is the official-observations test's rank check.)
}
