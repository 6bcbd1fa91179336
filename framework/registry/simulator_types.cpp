#include "registry/simulator_types.hpp"

#include "core/error.hpp"
#include "sbi/tasks/bernoulli_glm.hpp"
#include "sbi/tasks/gaussian_linear.hpp"
#include "sbi/tasks/gaussian_linear_uniform.hpp"
#include "sbi/tasks/gaussian_mixture.hpp"
#include "sbi/tasks/inverse_kinematics.hpp"
#include "sbi/tasks/lotka_volterra.hpp"
#include "sbi/tasks/sir.hpp"
#include "sbi/tasks/slcp.hpp"
#include "sbi/tasks/slcp_distractors.hpp"
#include "sbi/tasks/two_moons.hpp"
#include "spec/registry.hpp"

namespace tractable {

SimulatorRegistry::SimulatorRegistry(std::vector<SimulatorType> types) : types_(std::move(types)) {
  for (std::size_t i = 0; i < types_.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j)
      require(types_[i].name != types_[j].name, "data.simulator: '" + types_[i].name + "' registered twice");
    require(types_[i].make()->name() == types_[i].name,
            "data.simulator: '" + types_[i].name + "' builds a simulator of another name");
    require(!types_[i].reference_method.empty(),
            "data.simulator: '" + types_[i].name + "' says nothing about its reference posterior");
  }
}

const SimulatorType& SimulatorRegistry::at(const std::string& name, const std::string& where) const {
  for (const auto& t : types_)
    if (t.name == name) return t;
  const auto guess = did_you_mean(name, names());
  throw SpecError(where + ": no simulator named '" + name + "'" + (guess ? "; did you mean '" + *guess + "'?" : "") +
                  " (" + [&] {
                    std::string all;
                    for (const auto& n : names()) all += (all.empty() ? "" : ", ") + n;
                    return all;
                  }() + ")");
}

std::vector<std::string> SimulatorRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& t : types_) out.push_back(t.name);
  return out;
}

std::string SimulatorRegistry::markdown_table() const {
  std::string out = "| data.simulator | θ (D) and prior | x (C) | reference posterior |\n|---|---|---|---|\n";
  for (const auto& t : types_)
    out += "| `" + t.name + "` | " + escape_markdown_cell(t.parameters) + " | " + escape_markdown_cell(t.observations) +
           " | " + escape_markdown_cell(t.reference_method) + " |\n";
  return out;
}

namespace {
template <class T>
std::function<std::unique_ptr<Simulator>()> make() {
  return [] { return std::make_unique<T>(); };
}
}  // namespace

const SimulatorRegistry& simulator_registry() {
  static const SimulatorRegistry registry({
      {"two_moons", "2, U(−1, 1)²",
       "2: a ~ U(−π/2, π/2), r ~ N(0.1, 0.01²), x = (r cos a + 0.25, r sin a) + (−|θ1 + θ2|/√2, (−θ1 + θ2)/√2)",
       make<TwoMoons>(), grid_reference(-1, 1),
       "a grid over the prior box (`--grid` cells per side, 2048 by default): cells drawn by their mass, uniform "
       "within",
       "two_moons"},
      {"gaussian_linear", "10, N(0, 0.1 I)", "10: x ~ N(θ, 0.1 I)", make<GaussianLinear>(),
       gaussian_linear_reference(), "closed form, N(x/2, 0.05 I)", "gaussian_linear"},
      {"gaussian_linear_uniform", "10, U(−1, 1)¹⁰", "10: x ~ N(θ, 0.1 I)", make<GaussianLinearUniform>(),
       gaussian_linear_uniform_reference(), "exact: N(x, 0.1 I) truncated to the prior box, each coordinate by its "
       "inverse CDF", "gaussian_linear_uniform"},
      {"slcp", "5, U(−3, 3)⁵",
       "8: four draws of N((θ1, θ2), Σ), s1 = θ3², s2 = θ4², ρ = tanh θ5, Σ = [[s1², ρ s1 s2], [ρ s1 s2, s2²]] + "
       "10⁻⁶ I",
       make<Slcp>(), slice_sampling_reference({2, 3}),
       "coordinate-wise slice sampling (32 chains started by sampling-importance-resampling of 100,000 prior "
       "draws, 500 burn-in sweeps, thinned by 5), then the signs of θ3 and θ4 drawn at random: an exact symmetry "
       "of the posterior that makes the four modes' weights exact",
       "slcp"},
      {"slcp_distractors", "5, U(−3, 3)⁵ (slcp's)",
       "100: slcp's 8 values among 92 distractors, independent of θ, from a fixed mixture of 20 multivariate "
       "Student-t (df 2) in 92-D; sbibm's mixture and permutation, rebuilt from NumPy's RandomState(42)",
       [] { return std::make_unique<SlcpDistractors>(); }, slcp_distractors_reference(slice_sampling_reference({2, 3})),
       "slcp's, at the 8 informative values of the observation", "slcp_distractors"},
      {"bernoulli_glm", "10, N(0, P⁻¹): offset and a 9-tap filter, P = diag(0.5, FᵀF), F = D² + diag(√(k/9)), D the "
       "first difference",
       "10: x = Vᵀy, the spike count and spike-triggered stimulus sums, of y_t ~ Bernoulli(σ((Vθ)_t)), t < 100; V: "
       "ones and the stimulus (RandomState(42) white noise) at lags 0..8",
       [] { return std::make_unique<BernoulliGlm>(false); }, slice_sampling_reference(),
       "coordinate-wise slice sampling on the logistic likelihood (32 chains started by sampling-importance-"
       "resampling of 100,000 prior draws)",
       "bernoulli_glm"},
      {"bernoulli_glm_raw", "10, as bernoulli_glm", "100: the spike train y itself (bernoulli_glm's posterior)",
       [] { return std::make_unique<BernoulliGlm>(true); }, slice_sampling_reference(),
       "as bernoulli_glm's (the likelihood depends on y only through Vᵀy)", "bernoulli_glm", "obs_raw_"},
      {"gaussian_mixture", "2, U(−10, 10)²", "2: x ~ ½ N(θ, I) + ½ N(θ, 0.01 I)", make<GaussianMixtureTask>(),
       gaussian_mixture_reference(),
       "exact: a component by its mass in the prior box, then its normal truncated to the box", "gaussian_mixture"},
      {"sir", "2: (β, γ) ~ LogNormal(log 0.4, 0.5) × LogNormal(log 1/8, 0.2)",
       "10: x_k ~ Binomial(1000, I(t_k)/N) at t_k = 17 k of the SIR ODE (N = 10⁶, one infected at t = 0; Boost.Odeint "
       "Dormand–Prince, tolerances 10⁻⁸ absolute, 10⁻¹⁰ relative)",
       make<Sir>(), slice_sampling_reference(),
       "coordinate-wise slice sampling on the binomial likelihood (32 chains started by sampling-importance-"
       "resampling of 100,000 prior draws)",
       "sir"},
      {"lotka_volterra", "4: (α, β, γ, δ), LogNormal with loc (−0.125, −3, −0.125, −3), scale 0.5",
       "20: prey then predators at t_k = 2.1 k, k = 0..9, each LogNormal(log clamp(u, 10⁻¹⁰, 10⁴), 0.1) around the "
       "Lotka–Volterra ODE from (30, 1) (Boost.Odeint Dormand–Prince, tolerances 10⁻⁸ absolute, 10⁻¹⁰ relative)",
       make<LotkaVolterra>(), slice_sampling_reference(),
       "coordinate-wise slice sampling on the log-normal likelihood (32 chains started by sampling-importance-"
       "resampling of 100,000 prior draws)",
       "lotka_volterra"},
      {"inverse_kinematics", "4, N(0, diag(0.25, 0.5, 0.5, 0.5)²): rail height, three joint angles",
       "2: the end point y = (0, x1) + Σ_i l_i (cos φ_i, sin φ_i), l = (0.5, 0.5, 1.0), φ1 = x2, φ2 = x2 + x3, "
       "φ3 = x2 + x3 + x4 (deterministic, Kruse et al. 2021: the flow learns p(x | y))",
       make<InverseKinematics>(), rejection_abc_reference(),
       "rejection ABC: prior draws whose end point lies within ε of y (`--abc-epsilon`, 0.05 by default)", ""},
  });
  return registry;
}

std::unique_ptr<Simulator> make_simulator(const std::string& name, const std::string& where) {
  return simulator_registry().at(name, where).make();
}

}  // namespace tractable
