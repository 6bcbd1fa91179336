#include "registry/decoder_types.hpp"

#include "vae/bernoulli_decoder.hpp"
#include "vae/gaussian_decoder.hpp"

namespace tractable {

namespace {
namespace s = schema;
using nlohmann::json;

std::unique_ptr<Decoder> build_bernoulli(const NoSettings&, DecoderContext&) { return std::make_unique<BernoulliDecoder>(); }

struct GaussianSettings {
  bool learned;
  double fixed_variance;
};
GaussianSettings read_gaussian(const SpecSection& d) {
  return {d.get<std::string>("variance") == "learned", d.get<double>("fixed_variance")};
}
std::unique_ptr<Decoder> build_gaussian(const GaussianSettings& g, DecoderContext& c) {
  return std::make_unique<GaussianDecoder>(c.store, c.name, c.dim, g.learned, g.fixed_variance);
}
}  // namespace

const DecoderRegistry& decoder_registry() {
  static const DecoderRegistry registry(
      "model.decoder.type",
      {register_type("bernoulli", "Bernoulli pixels with logits ℓ: log p = Σ x ℓ − softplus(ℓ); needs data in [0, 1]", {},
                     &read_nothing, &build_bernoulli, {json{{"type", "bernoulli"}}})
           .needs("data:unit_interval", "needs data in [0, 1]")
           .provides("decoder:binary"),
       register_type("gaussian",
                     "diagonal Gaussian with means m: log p = −½(|x − m|²/v + Σ log v + D log 2π)",
                     {{"variance", s::string({"learned", "fixed"}), "learned",
                       "learned: one log-variance per dimension (parameter `decoder.log_variance`); fixed: "
                       "`fixed_variance`",
                       false},
                      {"fixed_variance", s::number(0, std::nullopt, true), 1.0, "the fixed variance v", false}},
                     &read_gaussian, &build_gaussian,
                     {json{{"type", "gaussian"}, {"variance", "fixed"}, {"fixed_variance", 0.7}},
                      json{{"type", "gaussian"}, {"variance", "learned"}}})});
  return registry;
}

DecoderFactory decoder_factory(const SpecSection& decoder) {
  auto build = decoder_registry().configure(decoder);
  return [build](ParameterStore& store, const std::string& name, std::size_t dim) {
    DecoderContext context{store, name, dim};
    return build(context);
  };
}

}  // namespace tractable
