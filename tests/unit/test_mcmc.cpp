// Lattice φ⁴ and MCMC: the action against its literal definition, checkerboard
// masks, chain statistics against analytic autocorrelations, and both samplers
// (flow independence Metropolis, HMC) against a closed-form susceptibility.
#include "gradient_check.hpp"
#include "spec_run.hpp"

#include "core/error.hpp"
#include "distributions/targets/phi4_lattice.hpp"
#include "model_from_spec.hpp"
#include "experiment/runner.hpp"
#include "io/hdf5_file.hpp"
#include "io/run_file.hpp"
#include "mcmc/chain_statistics.hpp"
#include "mcmc/independence_metropolis.hpp"

#include <filesystem>
#include <fstream>

using namespace tractable;
using namespace tractable::testing;

namespace {
// S(φ) = Σ_x [Σ_μ (φ(x+μ̂) − φ(x))² + m² φ(x)² + λ φ(x)⁴], written out literally on the host.
double literal_action(const HostMatrix& phi, std::size_t b, std::size_t L, double m2, double lambda) {
  auto at = [&](std::size_t t, std::size_t s) { return double(phi(b, (t % L) * L + s % L)); };
  double S = 0;
  for (std::size_t t = 0; t < L; ++t)
    for (std::size_t s = 0; s < L; ++s) {
      const double f = at(t, s);
      S += std::pow(at(t + 1, s) - f, 2) + std::pow(at(t, s + 1) - f, 2) + m2 * f * f + lambda * std::pow(f, 4);
    }
  return S;
}

// 1ᵀΣ1 / D for Σ_ij = ρ^|i−j|: the susceptibility of a correlated Gaussian target.
double gaussian_susceptibility(std::size_t D, double rho) {
  double s = 0;
  for (std::size_t i = 0; i < D; ++i)
    for (std::size_t j = 0; j < D; ++j) s += std::pow(rho, std::abs(double(i) - double(j)));
  return s / double(D);
}

// An AR(1) chain x_{t+1} = a x_t + √(1−a²) ε: stationary N(0, 1), τ_int = (1 + a) / (2 (1 − a)).
Chains ar1_chains(std::size_t chains, std::size_t n, double a, std::uint64_t seed) {
  RandomStream stream(seed, 0, Stream::eval);
  Chains out(chains);
  for (auto& c : out) {
    double x = stream.normal();
    for (std::size_t t = 0; t < n; ++t) {
      c.push_back(x);
      x = a * x + std::sqrt(1 - a * a) * stream.normal();
    }
  }
  return out;
}
}  // namespace

TEST_CASE("phi4: the action is the literal lattice sum, for even and odd sides", "[target][phi4]") {
  for (const std::size_t L : {2, 3, 8}) {
    const double m2 = -4, lambda = 8;
    Phi4Lattice target(L, m2, lambda);
    REQUIRE(target.dim() == L * L);
    const Matrix x = random_matrix(5, L * L, 7 + L, 1.3);
    Vector lp("lp", 5);
    target.log_density(x, lp);
    const auto xh = to_host(x);
    const auto lph = to_host(lp);
    for (std::size_t b = 0; b < 5; ++b) CHECK(-lph(b) == Approx(literal_action(xh, b, L, m2, lambda)).epsilon(1e-12));
  }
  // φ ≡ c: no kinetic term, S = V (m² c² + λ c⁴).
  Phi4Lattice target(8, -4, 8);
  Matrix x("x", 1, 64);
  Kokkos::deep_copy(x, 0.5);
  Vector lp("lp", 1);
  target.log_density(x, lp);
  CHECK(-to_host(lp)(0) == Approx(64 * (-4 * 0.25 + 8 * 0.0625)));
  CHECK_THROWS_AS(Phi4Lattice(1, 0, 0), SpecError);
}

TEST_CASE("checkerboard masks: neighbours differ, parity alternates, non-squares refused", "[flow][phi4]") {
  const std::size_t L = 8;
  const auto even = coupling_mask("checkerboard", L * L, 0), odd = coupling_mask("checkerboard", L * L, 1);
  for (std::size_t t = 0; t < L; ++t)
    for (std::size_t s = 0; s < L; ++s) {
      const std::size_t i = t * L + s;
      CHECK(even[i] + odd[i] == 1);
      CHECK(even[i] != even[((t + 1) % L) * L + s]);  // periodic neighbours differ (L even)
      CHECK(even[i] != even[t * L + (s + 1) % L]);
    }
  CHECK(std::count(even.begin(), even.end(), 1) == 32);
  CHECK_THROWS_AS(coupling_mask("checkerboard", 10, 0), SpecError);
}

TEST_CASE("chain statistics: τ_int of AR(1) chains and the bootstrap error of χ", "[mcmc]") {
  for (const double a : {0.0, 0.5, 0.9}) {
    const auto chains = ar1_chains(8, 20000, a, 3);
    const double exact = (1 + a) / (2 * (1 - a));
    const auto tau = integrated_autocorrelation_time(chains);
    INFO("a = " << a << ": τ_int " << tau.tau_int << " vs " << exact << " (window " << tau.window << ")");
    CHECK(tau.tau_int == Approx(exact).epsilon(0.1));
    // χ = Var/D with D = 1: the stationary variance 1. The blocked bootstrap error is honest:
    // for an AR(1) chain Var(sample variance) ≈ 2·(2τ₂)/N with τ₂ the τ_int of x², (1 + a²)/(2(1 − a²)).
    const auto chi = susceptibility_with_bootstrap(chains, 1.0, bootstrap_block_length(tau), 400, 11);
    const double n = 8 * 20000, tau2 = (1 + a * a) / (2 * (1 - a * a));
    const double expected_error = std::sqrt(2 * 2 * tau2 / n);
    INFO("χ " << chi.value << " ± " << chi.error << ", expected error " << expected_error);
    CHECK(chi.value == Approx(1).margin(4 * expected_error));
    CHECK(chi.error == Approx(expected_error).epsilon(0.3));
  }
  // A constant chain has nothing to correlate: τ_int = ½, χ = 0.
  CHECK(integrated_autocorrelation_time(Chains{std::vector<double>(10, 2.0)}).tau_int == 0.5);
}

TEST_CASE("independence Metropolis: samples the target exactly from a poor proposal", "[mcmc]") {
  // Target N(0, 1), proposal N(0, 2²): log w = −x²/2 + x²/8 + const.
  RandomStream draws(5, 0, Stream::eval), uniforms(6, 0, Stream::eval);
  const std::size_t n = 200000;
  std::vector<double> x(n), log_w(n);
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = 2 * draws.normal();
    log_w[i] = -x[i] * x[i] / 2 + x[i] * x[i] / 8;
  }
  const auto chain = independence_metropolis(log_w, uniforms);
  double m = 0, m2 = 0;
  for (std::size_t s : chain.state) {
    m += x[s];
    m2 += x[s] * x[s];
  }
  m /= double(n);
  m2 /= double(n);
  CHECK(m == Approx(0).margin(0.02));
  CHECK(m2 == Approx(1).margin(0.03));
  // Acceptance of IMH for this pair: E[min(1, w'/w)] under p × q; Monte Carlo of the same quantity.
  CHECK(chain.acceptance > 0.55);
  CHECK(chain.acceptance < 0.8);
  // A NaN weight is never accepted.
  const auto guarded = independence_metropolis({0.0, std::nan(""), 0.0}, uniforms);
  CHECK(guarded.state == std::vector<std::size_t>{0, 0, 2});
}

TEST_CASE("MCMC evaluation: flow independence Metropolis and HMC both recover χ of a correlated Gaussian",
          "[end-to-end][mcmc]") {
  const std::string out = "mcmc_gaussian.h5";
  const auto s = run_spec_text(R"({
    "name": "mcmc_gaussian",
    "model": {"hidden": 16, "depth": 1, "layers": [{"type": "affine_coupling"}], "repeat": 4},
    "objective": {"type": "reverse_kl", "eval_samples": 2000,
                  "target": {"type": "correlated_gaussian", "dim": 4, "correlation": 0.5, "scale": 1.0},
                  "mcmc": {"proposals": 40000, "thermalization": 100, "bootstrap_resamples": 200,
                           "hmc": {"chains": 16, "trajectories": 1500, "thermalization": 100,
                                   "leapfrog_steps": 8, "step_size": 0.25}}},
    "optimizer": {"type": "adam", "lr": 3e-3},
    "training": {"steps": 200, "batch_size": 128, "eval_every": 0, "checkpoint_every": 200},
    "output": {"n_samples": 0}
  })", out);
  const double exact = gaussian_susceptibility(4, 0.5);
  for (const std::string sampler : {"flow", "hmc"}) {
    const double chi = s.result("mcmc_" + sampler + "_chi2"), error = s.result("mcmc_" + sampler + "_chi2_error");
    INFO(sampler << ": χ " << chi << " ± " << error << " vs exact " << exact << ", acceptance "
                 << s.result("mcmc_" + sampler + "_acceptance") << ", τ_int " << s.result("mcmc_" + sampler + "_tau_int"));
    CHECK(error > 0);
    CHECK(error < 0.05 * exact);
    CHECK(std::abs(chi - exact) < 4 * error);
    CHECK(s.result("mcmc_" + sampler + "_acceptance") > 0.3);
    CHECK(s.result("mcmc_" + sampler + "_tau_int") >= 0.5);
  }
  // The traces are in the run file, in a group /eval/mcmc that the progress reader (sweeps' status) steps over.
  CHECK(RunFile::read_progress(out).finished);
  CHECK(RunFile::read_progress(out).final_eval.count("mcmc_flow_chi2") == 1);
  {
    Hdf5File file(out, Hdf5File::Mode::read_only);
    CHECK(file.read<double>("/eval/mcmc/flow_coordinate_sum").size() == 40000 - 100);
    CHECK(file.shape("/eval/mcmc/hmc_coordinate_sum") == std::vector<std::uint64_t>{16, 1500});
  }
  std::filesystem::remove(out);
}
