// Rezende & Mohamed's planar and radial flows.
#include "flows/planar.hpp"
#include "flows/radial.hpp"
#include "registry/bijector_types.hpp"

namespace tractable {

namespace {
using nlohmann::json;
std::unique_ptr<Bijector> build_planar(const NoSettings&, BijectorContext& c) {
  return std::make_unique<Planar>(c.store, c.name, c.dim);
}
std::unique_ptr<Bijector> build_radial(const NoSettings&, BijectorContext& c) {
  return std::make_unique<Radial>(c.store, c.name, c.dim);
}
}  // namespace

BijectorRegistration planar_type() {
  return register_type("planar",
                       "Rezende & Mohamed's planar flow x = y + û·tanh(wᵀy + b) in the sampling direction (û "
                       "constrained so wᵀû > −1); density direction by a safeguarded Newton solve per row, "
                       "differentiated implicitly",
                       {}, &read_nothing, &build_planar,
                       {json{{"dim", 2}, {"layer", {{"type", "planar"}}}}, json{{"dim", 5}, {"layer", {{"type", "planar"}}}}});
}

BijectorRegistration radial_type() {
  return register_type("radial",
                       "Rezende & Mohamed's radial flow x = y + β̂/(α + r)·(y − z0) in the sampling direction (α > 0, "
                       "β̂ ≥ −α); density direction by the closed-form radius (a quadratic)",
                       {}, &read_nothing, &build_radial,
                       {json{{"dim", 2}, {"layer", {{"type", "radial"}}}}, json{{"dim", 4}, {"layer", {{"type", "radial"}}}}});
}

}  // namespace tractable
