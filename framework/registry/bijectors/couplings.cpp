// Coupling layers (flows/coupling.hpp) over the affine, additive and spline transforms.
#include "flows/affine_transform.hpp"
#include "flows/coupling.hpp"
#include "flows/rational_quadratic_spline.hpp"
#include "registry/bijector_types.hpp"
#include "registry/bijectors/conditioner.hpp"
#include "registry/bijectors/spline_keys.hpp"

namespace tractable {

namespace {
namespace s = schema;
using nlohmann::json;

SchemaField mask_key() {
  return {"mask", s::string({"alternating", "half", "checkerboard"}), "alternating",
          "alternating: even/odd coordinates, parity flipping per coupling; half: first/second half, flipping; "
          "checkerboard: D = L² read as an L×L lattice (row-major), sites with (row + column) even/odd, parity "
          "flipping per coupling",
          false};
}
// Lattice data (D = L²): the conditioner may be a periodic CNN, hidden then counting channels.
std::vector<SchemaField> network_keys() {
  return {{"conditioner", s::string({"mlp", "conv"}), "mlp",
           "mlp: dense layers; conv: periodic k×k convolutions on the L×L lattice of D = L² dimensions, hidden = "
           "channels (the lattice flows of Albergo et al. 2019)",
           false},
          {"kernel", s::integer(1, 31), 3, "conv: the odd kernel side k", false}};
}
std::vector<SchemaField> join(std::vector<SchemaField> a, const std::vector<SchemaField>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

template <class Transform>
struct CouplingSettings {
  std::string mask;
  MlpShape network;
  bool conv = false;
  std::size_t kernel = 3;
  Transform transform;
};

template <class Transform>
CouplingSettings<Transform> read_network(const SpecSection& layer, Transform transform) {
  CouplingSettings<Transform> c{layer.get<std::string>("mask"), read_conditioner(layer), false, 3, transform};
  if (layer.has("conditioner")) {
    c.conv = layer.get<std::string>("conditioner") == "conv";
    c.kernel = layer.get<std::size_t>("kernel");
  }
  return c;
}

CouplingSettings<AffineTransform> read_affine(const SpecSection& layer) {
  return read_network(layer, AffineTransform::affine(layer.get<Real>("scale_bound")));
}
CouplingSettings<AffineTransform> read_additive(const SpecSection& layer) {
  return read_network(layer, AffineTransform::additive());
}
CouplingSettings<SplineTransform> read_spline(const SpecSection& layer) {
  return read_network(layer, SplineTransform(read_spline_config(layer)));
}

template <class Transform>
std::unique_ptr<Bijector> build_coupling(const CouplingSettings<Transform>& c, BijectorContext& context) {
  MlpShape shape = c.network;
  if (c.conv) {
    if (context.context_features > 0)
      throw SpecError(context.where + ".conditioner: 'conv' reads an L×L lattice and has no input for a context; use "
                                      "'mlp' in a conditional flow");
    const std::size_t side = lattice_side(context.dim, context.where + ".conditioner: 'conv'");
    if (c.kernel % 2 == 0 || c.kernel / 2 > side)
      throw SpecError(context.where + ".kernel: " + std::to_string(c.kernel) + " must be odd and at most 2L + 1");
    shape.lattice_side = side;
    shape.kernel = c.kernel;
    shape.hidden *= context.dim;  // channels -> features
  }
  return std::make_unique<Coupling<Transform>>(context.store, context.name,
                                               coupling_mask(c.mask, context.dim, context.couplings++), shape,
                                               c.transform, context.context_features);
}
}  // namespace

BijectorRegistration affine_coupling_type() {
  return register_type(
      "affine_coupling",
      "RealNVP coupling y = x·exp(s) + t on the unmasked coordinates, (s, t) from a network of the masked ones "
      "(conditioner output [s_raw | t]); the mask parity flips with every coupling; the network's last layer starts "
      "at zero, so each coupling starts as the identity. For lattice data (D = L², row-major) `checkerboard` masks "
      "sites by the parity of row + column, and `conditioner` `conv` makes the network a stack of periodic k×k "
      "convolutions on the L×L torus (translation-equivariant; `hidden` then counts channels): the lattice flows of "
      "Albergo et al. 2019",
      join(join({mask_key()}, conditioner_keys(true)), network_keys()), &read_affine,
      &build_coupling<AffineTransform>,
      {json{{"dim", 2}, {"layer", {{"type", "affine_coupling"}, {"activation", "relu"}}}},
       json{{"dim", 5}, {"layer", {{"type", "affine_coupling"}, {"scale_bound", 1.5}}}},
       json{{"dim", 4}, {"layer", {{"type", "affine_coupling"}, {"mask", "half"}, {"activation", "elu"}}}},
       json{{"dim", 4}, {"layer", {{"type", "affine_coupling"}, {"mask", "checkerboard"}, {"conditioner", "conv"}, {"hidden", 3}}}}});
}

BijectorRegistration additive_coupling_type() {
  return register_type(
      "additive_coupling",
      "NICE: y = x + t on the unmasked coordinates; volume preserving (pair it with `actnorm`); otherwise as "
      "`affine_coupling`",
      join(join({mask_key()}, conditioner_keys(false)), network_keys()), &read_additive,
      &build_coupling<AffineTransform>,
      {json{{"dim", 3}, {"layer", {{"type", "additive_coupling"}, {"activation", "softplus"}}}},
       json{{"dim", 9}, {"layer", {{"type", "additive_coupling"}, {"mask", "checkerboard"}, {"conditioner", "conv"}, {"hidden", 2}, {"activation", "relu"}}}}});
}

BijectorRegistration rqs_coupling_type() {
  return register_type(
      "rqs_coupling",
      "neural spline coupling (Durkan et al. 2019): a monotone rational-quadratic spline per unmasked coordinate on "
      "[−B, B], identity tails outside; the inverse solves each bin's quadratic with a clamped discriminant (finite "
      "on knots and in the tails). `conditioner` `conv` as for `affine_coupling` (one output channel per spline "
      "parameter)",
      join(join(join({mask_key()}, conditioner_keys(false)), network_keys()), spline_keys()), &read_spline,
      &build_coupling<SplineTransform>,
      {json{{"dim", 3}, {"layer", {{"type", "rqs_coupling"}, {"bins", 5}, {"tail_bound", 2}}}},
       json{{"dim", 2}, {"layer", {{"type", "rqs_coupling"}, {"activation", "relu"}}}},
       json{{"dim", 4}, {"layer", {{"type", "rqs_coupling"}, {"mask", "checkerboard"}, {"conditioner", "conv"}, {"hidden", 2}, {"bins", 4}, {"tail_bound", 2}}}}});
}

}  // namespace tractable
