// Linear and normalising layers: LU-decomposed linear maps, permutations, ActNorm, BatchNorm.
#include "flows/actnorm.hpp"
#include "flows/batch_norm.hpp"
#include "flows/lu_linear.hpp"
#include "flows/permutation.hpp"
#include "registry/bijector_types.hpp"

#include <optional>

namespace tractable {

namespace {
namespace s = schema;
using nlohmann::json;

struct Seeded {
  std::optional<std::uint64_t> seed;  // absent: from training.seed and the layer index
};
Seeded read_seed(const SpecSection& layer) {
  return Seeded{layer.json().contains("seed") ? std::optional<std::uint64_t>(layer.get<std::uint64_t>("seed")) : std::nullopt};
}
SchemaField seed_key(const std::string& what) {
  return {"seed", s::integer(0), nullptr, "seed of " + what + " (default: from training.seed and the layer index)", true};
}

std::unique_ptr<Bijector> build_lu(const Seeded& c, BijectorContext& context) {
  return std::make_unique<LuLinear>(context.store, context.name, context.dim, c.seed.value_or(context.derived_seed));
}
std::unique_ptr<Bijector> build_reverse(const NoSettings&, BijectorContext& context) {
  return std::make_unique<Permutation>(Permutation::reverse(context.dim));
}
std::unique_ptr<Bijector> build_random_permutation(const Seeded& c, BijectorContext& context) {
  return std::make_unique<Permutation>(Permutation::random(context.dim, c.seed.value_or(context.derived_seed)));
}
std::unique_ptr<Bijector> build_actnorm(const NoSettings&, BijectorContext& context) {
  return std::make_unique<ActNorm>(context.store, context.name, context.dim);
}

struct BatchNormSettings {
  Real momentum, eps;
};
BatchNormSettings read_batchnorm(const SpecSection& layer) {
  return {layer.get<Real>("momentum"), layer.get<Real>("eps")};
}
std::unique_ptr<Bijector> build_batchnorm(const BatchNormSettings& c, BijectorContext& context) {
  return std::make_unique<BatchNorm>(context.store, context.name, context.dim, context.ranks, c.momentum, c.eps);
}
json example(int dim, const char* type) { return json{{"dim", dim}, {"layer", {{"type", type}}}}; }
}  // namespace

BijectorRegistration lu_linear_type() {
  return register_type("lu_linear",
                       "W = P·L·U with a fixed permutation P, unit lower L, upper U with diagonal exp(s): y = x Wᵀ + b, "
                       "log|det| = Σ s; starts as the permutation",
                       {seed_key("the fixed permutation P")}, &read_seed, &build_lu,
                       {json{{"dim", 4}, {"layer", {{"type", "lu_linear"}, {"seed", 9}}}}, example(2, "lu_linear")});
}

BijectorRegistration reverse_type() {
  return register_type("reverse", "reverses the coordinate order", {}, &read_nothing, &build_reverse,
                       {example(4, "reverse")});
}

BijectorRegistration random_permutation_type() {
  return register_type("random_permutation",
                       "a fixed permutation drawn from `seed` (default: from `training.seed` and the layer index)",
                       {seed_key("the permutation")}, &read_seed, &build_random_permutation,
                       {json{{"dim", 5}, {"layer", {{"type", "random_permutation"}, {"seed", 4}}}}});
}

BijectorRegistration actnorm_type() {
  return register_type("actnorm",
                       "per-coordinate y = (x − b)·exp(−s), b and s initialised from the first *global* batch (all "
                       "ranks) to zero mean, unit variance",
                       {}, &read_nothing, &build_actnorm, {example(3, "actnorm")});
}

BijectorRegistration batchnorm_type() {
  return register_type(
      "batchnorm",
      "batch normalisation as a bijector (RealNVP): training normalises by the *global* batch's statistics (reduced "
      "over all ranks, gradients through them included), evaluation and sampling by running averages, which the "
      "checkpoint keeps; `reverse_kl` refuses it",
      {{"momentum", s::number(0, 1, true, false), 0.1, "running averages: r ← (1 − m) r + m · batch statistic", false},
       {"eps", s::number(0, std::nullopt, true), 1e-5, "added to the variance", false}},
      &read_batchnorm, &build_batchnorm, {example(3, "batchnorm")})
      .provides("layer:batch_statistics");
}

}  // namespace tractable
