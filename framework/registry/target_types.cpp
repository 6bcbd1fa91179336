#include "registry/target_types.hpp"

#include "distributions/targets/energy_2d.hpp"
#include "distributions/targets/gaussian_mixture.hpp"
#include "distributions/targets/phi4_lattice.hpp"

namespace tractable {

namespace {
namespace s = schema;
using Covariances = std::vector<std::vector<std::vector<double>>>;

struct EnergySettings {
  Energy2d::Kind kind;
};
EnergySettings read_energy(const SpecSection& t) { return {Energy2d::parse(t.get<std::string>("type"))}; }
std::unique_ptr<Target> build_energy(const EnergySettings& e, TargetContext&) { return std::make_unique<Energy2d>(e.kind); }

struct MixtureSettings {
  std::vector<std::vector<double>> means;
  Covariances covariances;      // empty: identity
  std::vector<double> weights;  // empty: equal
  std::string where;
};
MixtureSettings read_mixture(const SpecSection& t) {
  MixtureSettings m{t.get<std::vector<std::vector<double>>>("means"), {}, {}, t.path()};
  if (t.json().contains("covariances")) m.covariances = t.get<Covariances>("covariances");
  if (t.json().contains("weights")) m.weights = t.get<std::vector<double>>("weights");
  return m;
}
std::unique_ptr<Target> build_mixture(const MixtureSettings& m, TargetContext&) {
  return std::make_unique<GaussianMixture>(m.means, m.covariances, m.weights, m.where);
}

struct CorrelatedSettings {
  std::size_t dim;
  double correlation, scale;
  std::string where;
};
CorrelatedSettings read_correlated(const SpecSection& t) {
  return {t.get<std::size_t>("dim"), t.get<double>("correlation"), t.get<double>("scale"), t.path()};
}
std::unique_ptr<Target> build_correlated(const CorrelatedSettings& c, TargetContext&) {
  return std::make_unique<GaussianMixture>(GaussianMixture::correlated(c.dim, c.correlation, c.scale, c.where));
}

struct Phi4Settings {
  std::size_t side;
  double mass_squared, coupling;
};
Phi4Settings read_phi4(const SpecSection& t) {
  return {t.get<std::size_t>("side"), t.get<double>("mass_squared"), t.get<double>("coupling")};
}
std::unique_ptr<Target> build_phi4(const Phi4Settings& p, TargetContext&) {
  return std::make_unique<Phi4Lattice>(p.side, p.mass_squared, p.coupling);
}

TargetRegistration energy(const char* name, const char* help) {
  return register_type(name, help, {}, &read_energy, &build_energy);
}
const char* rezende_mohamed =
    "Rezende & Mohamed 2015's 2-D energy (drawn on (−4, 4)², outside which a steep wall ½((|z|−4)/0.1)² keeps it "
    "normalisable)";
}  // namespace

const TargetRegistry& target_registry() {
  const auto vector = s::array(s::number(), 1);
  static const TargetRegistry registry(
      "objective.target.type",
      {energy("u1", rezende_mohamed), energy("u2", rezende_mohamed), energy("u3", rezende_mohamed),
       energy("u4", rezende_mohamed), energy("double_well", "E = x1⁴ − 6x1² + x1 + ½x2²"),
       register_type("gaussian_mixture", "a mixture of full-covariance Gaussians",
                     {{"means", s::array(vector, 1), nullptr, "component means [K][D]", false},
                      {"covariances", s::array(s::array(vector, 1), 1), nullptr,
                       "component covariances [K][D][D], symmetric positive definite (default: identity)", true},
                      {"weights", s::array(s::number(0, std::nullopt, true), 1), nullptr,
                       "positive mixture weights [K] (default: equal)", true}},
                     &read_mixture, &build_mixture),
       register_type("correlated_gaussian", "N(0, Σ) with Σ_ij = scale²·ρ^|i−j| in D dimensions",
                     {{"dim", s::integer(1, 4096), 2, "dimension D", false},
                      {"correlation", s::number(-1, 1, true, true), 0.9, "ρ", false},
                      {"scale", s::number(0, std::nullopt, true), 1.0, "marginal standard deviation", false}},
                     &read_correlated, &build_correlated),
       register_type("phi4",
                     "lattice φ⁴ on an L×L periodic lattice (D = L², row-major), S(φ) = Σ_x [Σ_μ (φ(x+μ̂) − φ(x))² + "
                     "m² φ(x)² + λ φ(x)⁴], p̃ = exp(−S) (Albergo, Kanwar & Shanahan 2019)",
                     {{"side", s::integer(2, 256), 8, "lattice side L (D = L², periodic)", false},
                      {"mass_squared", s::number(), -4.0, "m²", false},
                      {"coupling", s::number(0), 8.0, "λ, the quartic coupling", false}},
                     &read_phi4, &build_phi4)});
  return registry;
}

}  // namespace tractable
