#include "registry/posterior_types.hpp"

namespace tractable {

namespace {
namespace s = schema;
PosteriorShape build_gaussian(const NoSettings&, PosteriorContext&) { return {}; }

PosteriorShape read_iaf(const SpecSection& p) {
  return {p.get<std::size_t>("steps"), p.get<std::size_t>("hidden"), p.get<std::size_t>("depth"),
          p.get<std::size_t>("context")};
}
PosteriorShape build_iaf(const PosteriorShape& shape, PosteriorContext&) { return shape; }
}  // namespace

const PosteriorRegistry& posterior_registry() {
  const Schema width = s::integer(1, 1 << 16);
  static const PosteriorRegistry registry(
      "model.posterior.type",
      {register_type("gaussian", "q(z|x) = N(μ, diag σ²) from the encoder", {}, &read_nothing, &build_gaussian)
           .provides("posterior:analytic_kl")
           .provides("posterior:diagonal_gaussian"),
       register_type("iaf",
                     "z0 ~ N(μ, σ²) then T inverse autoregressive steps (Kingma et al. 2016), each a MADE over [z, h] "
                     "with the encoder's context h (degree 0, so each step stays autoregressive in z): σ_t = "
                     "sigmoid(s + 1), z_t = σ_t z + (1 − σ_t) m, log q(z_T) = log q0(z0) − Σ log σ_t; orders "
                     "alternate natural/reversed. One stochastic layer; needs `objective.kl` `sampled`",
                     {{"steps", s::integer(1, 64), 2, "IAF steps T", false},
                      {"hidden", width, 200, "width of each step's MADE hidden layers (≥ latent − 1)", false},
                      {"depth", s::integer(1, 16), 1, "hidden layers of each step's MADE", false},
                      {"context", s::integer(1, 1 << 12), 50, "width C of the context h the encoder emits (2L + C values)",
                       false}},
                     &read_iaf, &build_iaf)
           .needs("model:one_stochastic_layer", "is available with one stochastic layer only")});
  return registry;
}

}  // namespace tractable
