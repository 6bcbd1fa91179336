// Autoregressive layers (flows/autoregressive.hpp): MAF, IAF and the spline autoregressive flow.
#include "flows/affine_transform.hpp"
#include "flows/autoregressive.hpp"
#include "flows/inverted.hpp"
#include "flows/rational_quadratic_spline.hpp"
#include "registry/bijector_types.hpp"
#include "registry/bijectors/conditioner.hpp"
#include "registry/bijectors/spline_keys.hpp"

#include <optional>

namespace tractable {

namespace {
namespace s = schema;
using nlohmann::json;

std::vector<SchemaField> order_keys() {
  return {{"order", s::string({"natural", "reversed", "random"}), "natural", "MADE input order", false},
          {"seed", s::integer(0), nullptr, "seed of a random order (default: from training.seed and the layer index)",
           true}};
}
std::vector<SchemaField> join(std::vector<SchemaField> a, const std::vector<SchemaField>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

template <class Transform>
struct AutoregressiveSettings {
  MlpShape made;
  InputOrder order = InputOrder::natural;
  std::optional<std::uint64_t> seed;
  Transform transform;
  DensityMap density_map = DensityMap::transform;
  bool inverted = false;  // iaf: the layer's two directions swapped
};

template <class Transform>
AutoregressiveSettings<Transform> read_made(const SpecSection& layer, Transform transform, DensityMap map) {
  AutoregressiveSettings<Transform> a{read_conditioner(layer), parse_input_order(layer.get<std::string>("order")),
                                      std::nullopt, transform, map, false};
  if (layer.json().contains("seed")) a.seed = layer.get<std::uint64_t>("seed");
  return a;
}
// MAF's parameter blocks are the paper's [μ | α_raw]; its map x = u·e^α + μ is the sampling direction.
AutoregressiveSettings<AffineTransform> read_maf(const SpecSection& layer) {
  return read_made(layer, AffineTransform::affine(layer.get<Real>("scale_bound"), /*scale_block=*/1, /*shift_block=*/0),
                   DensityMap::inverse_transform);
}
AutoregressiveSettings<AffineTransform> read_iaf(const SpecSection& layer) {
  auto a = read_maf(layer);
  a.inverted = true;
  return a;
}
AutoregressiveSettings<SplineTransform> read_spline(const SpecSection& layer) {
  return read_made(layer, SplineTransform(read_spline_config(layer)), DensityMap::transform);
}

template <class Transform>
std::unique_ptr<Bijector> build(const AutoregressiveSettings<Transform>& a, BijectorContext& context) {
  auto layer = std::make_unique<Autoregressive<Transform>>(context.store, context.name, context.dim, a.made,
                                                           a.transform, a.density_map, a.order,
                                                           a.seed.value_or(context.derived_seed),
                                                           context.context_features);
  if (!a.inverted) return layer;
  return std::make_unique<Inverted>(std::move(layer), "IAF");
}
}  // namespace

BijectorRegistration maf_type() {
  return register_type(
      "maf",
      "masked autoregressive flow step (Papamakarios et al. 2017): a Gaussian MADE gives (μ, α) (output [μ | α_raw], "
      "α = c·tanh(α_raw/c)), u = (x − μ)·exp(−α); density in one parallel pass, sampling in D sequential passes (its "
      "gradient by implicit differentiation). `hidden` ≥ D − 1",
      join(conditioner_keys(true), order_keys()), &read_maf, &build<AffineTransform>,
      {json{{"dim", 4}, {"layer", {{"type", "maf"}}}},
       json{{"dim", 5}, {"layer", {{"type", "maf"}, {"order", "random"}, {"seed", 3}, {"activation", "relu"}, {"scale_bound", 1.5}}}}});
}

BijectorRegistration iaf_type() {
  return register_type(
      "iaf", "inverse autoregressive flow (Kingma et al. 2016): the inverted `maf`, so sampling is one pass and density D passes",
      join(conditioner_keys(true), order_keys()), &read_iaf, &build<AffineTransform>,
      {json{{"dim", 3}, {"layer", {{"type", "iaf"}, {"order", "reversed"}, {"activation", "elu"}}}}});
}

BijectorRegistration rqs_autoregressive_type() {
  return register_type(
      "rqs_autoregressive",
      "autoregressive spline flow (Durkan et al. 2019, NSF-AR): a MADE gives every coordinate its spline, u_d = f_d(x_d); "
      "density one pass, sampling D passes",
      join(join(conditioner_keys(false), order_keys()), spline_keys()), &read_spline, &build<SplineTransform>,
      {json{{"dim", 3}, {"layer", {{"type", "rqs_autoregressive"}, {"bins", 4}, {"tail_bound", 2.5}}}},
       json{{"dim", 4}, {"layer", {{"type", "rqs_autoregressive"}, {"bins", 6}, {"order", "random"}, {"seed", 5}, {"activation", "relu"}}}}});
}

}  // namespace tractable
