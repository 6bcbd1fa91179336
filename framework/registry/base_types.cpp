#include "registry/base_types.hpp"

#include "distributions/bases/gaussian_mixture_base.hpp"
#include "flows/actnorm.hpp"
#include "flows/affine_transform.hpp"
#include "flows/coupling.hpp"

namespace tractable {

namespace {
namespace s = schema;
// |log σ| of a conditional diagonal Gaussian base is bounded by this (σ within e^±8 of the data's scale).
constexpr Real kConditionalBaseScaleBound = 8;

BaseParts build_standard_normal(const NoSettings&, BaseContext&) { return {}; }
BaseParts build_diagonal_gaussian(const NoSettings&, BaseContext& c) {
  if (c.context_features == 0)
    return {std::make_unique<ActNorm>(c.store, "flow.base", c.dim, /*data_dependent_init=*/false), nullptr};
  // Conditional: mean and log-scale are a linear map of the embedded context, i.e. an affine coupling whose
  // mask passes nothing through (its conditioner sees only h); it starts as N(0, I) like the unconditional one.
  MlpShape linear;
  linear.depth = 0;
  return {std::make_unique<Coupling<AffineTransform>>(c.store, "flow.base", std::vector<int>(c.dim, 0), linear,
                                                      AffineTransform::affine(kConditionalBaseScaleBound),
                                                      c.context_features),
          nullptr};
}

struct MixtureSettings {
  std::size_t components;
};
MixtureSettings read_mixture(const SpecSection& base) { return {base.get<std::size_t>("components")}; }
BaseParts build_mixture(const MixtureSettings& m, BaseContext& c) {
  return {nullptr, std::make_unique<GaussianMixtureBase>(c.store, "flow.base", c.dim, m.components)};
}
}  // namespace

const BaseRegistry& base_registry() {
  static const BaseRegistry registry(
      "model.base.type",
      {register_type("standard_normal", "N(0, I)", {}, &read_nothing, &build_standard_normal),
       register_type("diagonal_gaussian",
                     "learnable mean and scale per coordinate: N(0, I) behind a final elementwise affine map, "
                     "parameters `flow.base.*`; in a conditional flow the mean and log-scale are a linear map of the "
                     "embedded context (an affine coupling with an all-zero mask, `flow.base.conditioner.*`)",
                     {}, &read_nothing, &build_diagonal_gaussian),
       register_type("gaussian_mixture",
                     "learnable weights, means and diagonal scales; exact density gradients, so it trains by `nll`; "
                     "its component choice is not differentiable, so `reverse_kl` refuses it",
                     {{"components", s::integer(1, 1024), 4, "number of diagonal Gaussian components K", false}},
                     &read_mixture, &build_mixture)
           .provides("base:not_reparameterisable")});
  return registry;
}

}  // namespace tractable
