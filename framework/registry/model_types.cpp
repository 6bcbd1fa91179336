#include "registry/model_types.hpp"

#include "core/error.hpp"
#include "nn/activation.hpp"
#include "registry/decoder_types.hpp"
#include "registry/network_types.hpp"
#include "registry/posterior_types.hpp"
#include "vae/hierarchical_vae.hpp"
#include "vae/vae.hpp"

#include <cstdio>

namespace tractable {

namespace {
namespace s = schema;
using nlohmann::json;


// ---- flow --------------------------------------------------------------------
struct FlowSettings {
  FlowModelSpec spec;
  std::string summary;
};
FlowSettings read_flow(const SpecSection& model) {
  char line[256];
  std::snprintf(line, sizeof line, "flow, %zu layer(s) x %zu, hidden %zu, depth %zu, %s",
                model.json().at("layers").size(), model.get<std::size_t>("repeat"), model.get<std::size_t>("hidden"),
                model.get<std::size_t>("depth"), model.get<std::string>("activation").c_str());
  return {read_flow_model(model), line};
}
ModelRecipe build_flow_recipe(const FlowSettings& f, ModelFamilyContext&) {
  return {"flow", f.summary, /*conditional=*/true, /*min_dim=*/2, [spec = f.spec](ModelContext& c) {
            BuiltModel built;
            built.flow = build_flow(spec, c.dim, c.store, c.seed, c.comm, &built.description, c.context_dim);
            return built;
          }};
}

// ---- vae ---------------------------------------------------------------------
Schema network_schema() {
  return network_registry().schema("the network type (the network table)", "mlp");
}
// A VAE's networks: model.network when given, else the default type; keys it leaves out come from
// `inherited` (model.hidden, model.depth, model.activation).
NetworkFactory vae_network(const SpecSection& model, const json& inherited) {
  static const json absent = validate(network_schema(), json::object(), "model.network");
  const json& section = model.json().contains("network") ? model.json().at("network") : absent;
  return network_factory(SpecSection(section, "model.network", &inherited));
}

struct VaeSettings {
  std::size_t stochastic_layers;
  VaeShape one;
  HierarchicalVaeShape two;
  std::string summary;
};
VaeSettings read_vae(const SpecSection& model) {
  VaeSettings v;
  v.stochastic_layers = model.get<std::size_t>("stochastic_layers");
  const DecoderFactory decoder = decoder_factory(model.child("decoder"));
  if (v.stochastic_layers == 2) {
    HierarchicalVaeShape& two = v.two;
    two.latent1 = model.get<std::size_t>("latent");
    two.latent2 = model.get<std::size_t>("latent2");
    two.network = vae_network(model, model.json());
    json upper = model.json();  // the z1 <-> z2 networks are model.hidden2 wide
    upper["hidden"] = model.get<std::size_t>("hidden2");
    two.upper_network = vae_network(model, upper);
    two.decoder = decoder;
  } else {
    VaeShape& one = v.one;
    one.latent = model.get<std::size_t>("latent");
    one.network = vae_network(model, model.json());
    one.decoder = decoder;
    PosteriorContext none;
    const PosteriorShape posterior = posterior_registry().configure(model.child("posterior"))(none);
    one.iaf_steps = posterior.iaf_steps;
    one.iaf_hidden = posterior.iaf_hidden;
    one.iaf_depth = posterior.iaf_depth;
    one.iaf_context = posterior.iaf_context;
    if (one.iaf_steps > 0 && one.latent < 2)
      throw SpecError("model.latent: an IAF posterior needs at least 2 latent dimensions");
  }
  char line[256];
  std::snprintf(line, sizeof line, "vae, latent %zu, hidden %zu, depth %zu, %s, %s decoder, %s posterior",
                model.get<std::size_t>("latent"), model.get<std::size_t>("hidden"), model.get<std::size_t>("depth"),
                model.get<std::string>("activation").c_str(), model.child("decoder").get<std::string>("type").c_str(),
                model.child("posterior").get<std::string>("type").c_str());
  v.summary = line;
  if (v.stochastic_layers == 2)
    v.summary += ", two stochastic layers (latent2 " + std::to_string(v.two.latent2) + ", hidden2 " +
                 std::to_string(model.get<std::size_t>("hidden2")) + ")";
  return v;
}
ModelRecipe build_vae_recipe(const VaeSettings& v, ModelFamilyContext&) {
  return {"vae", v.summary, /*conditional=*/false, /*min_dim=*/1, [v](ModelContext& c) {
            require(c.context_dim == 0, "a VAE has no context (refused with the data)");
            BuiltModel built;
            if (v.stochastic_layers == 2) {
              HierarchicalVaeShape two = v.two;
              two.data_dim = c.dim;
              built.vae = std::make_unique<HierarchicalVae>(c.store, two);
            } else {
              VaeShape one = v.one;
              one.data_dim = c.dim;
              built.vae = std::make_unique<VariationalAutoencoder>(c.store, one);
            }
            built.description.kind = "vae";
            built.description.dim = c.dim;
            return built;
          }};
}
}  // namespace

FlowModelSpec read_flow_model(const SpecSection& model) {
  FlowModelSpec spec;
  spec.repeat = model.get<std::size_t>("repeat");
  const json& layers = model.json().at("layers");
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const SpecSection layer(layers[i], "model.layers[" + std::to_string(i) + "]", &model.json());
    const auto& type = bijector_registry().at(layer.get<std::string>("type"), layer.where("type"));
    // The layer with the keys it inherits from model.* written in: what a reader needs to rebuild it.
    std::vector<const char*> inherited;
    for (const char* key : inherited_layer_keys())
      for (const auto& field : type.keys)
        if (field.key == key) inherited.push_back(key);
    spec.layers.push_back({type.name, layer.path(), layer.resolved(inherited), type.configure(layer)});
  }
  const SpecSection base = model.child("base");
  spec.base = {base.get<std::string>("type"), base.path(), base.json(), base_registry().configure(base)};
  spec.context_embedding_config = json::object();
  if (model.has("context_embedding")) {
    // The network's keys default to the embedding's own defaults, not to the conditioners' model.*.
    static const json defaults = {{"hidden", 64}, {"depth", 2}, {"activation", "relu"}};
    const SpecSection e(model.json().at("context_embedding"), "model.context_embedding", &defaults);
    spec.context_embedding = ContextEmbedding{network_factory(e), e.get<std::size_t>("out")};
    spec.context_embedding_config = e.resolved({"hidden", "depth", "activation"});
  }
  return spec;
}

std::unique_ptr<Flow> build_flow(const FlowModelSpec& spec, std::size_t dim, ParameterStore& store, std::uint64_t seed,
                                 const Communicator& comm, ModelDescription* description, std::size_t context_dim) {
  if (dim < 2) throw DataError("a flow needs data with at least 2 dimensions, got " + std::to_string(dim));
  if (spec.context_embedding && context_dim == 0)
    throw SpecError("model.context_embedding: the data has no context (data.context_columns, data.context_dataset or a "
                    "simulator give one)");
  auto context = context_dim > 0 ? std::make_unique<ContextEncoder>(store, "flow.context", context_dim,
                                                                    spec.context_embedding)
                                 : nullptr;
  const std::size_t features = context ? context->features() : 0;
  std::vector<std::unique_ptr<Bijector>> chain;
  std::size_t couplings = 0;
  for (std::size_t r = 0; r < spec.repeat; ++r) {
    for (const auto& layer : spec.layers) {
      const std::size_t index = chain.size();
      BijectorContext built{store, "flow." + std::to_string(index), dim, mix64(seed * 1000003ULL + index),
                            couplings, comm, layer.where, features};
      chain.push_back(layer.build(built));
      if (features > 0 && chain.back()->context_refusal())
        throw SpecError(layer.where + ".type: '" + layer.type + "' cannot be part of a conditional flow (the data has " +
                        std::to_string(context_dim) + " context columns): " + chain.back()->context_refusal());
      if (description) description->layers.push_back({layer.type, built.name, layer.config, chain.back()->fixed_arrays()});
    }
  }
  BaseContext base_context{store, dim, features};
  BaseParts base = spec.base.build(base_context);
  // A base with parameters of its own names them "flow.base" (the standard normal has none).
  const bool base_has_parameters = base.final_layer != nullptr || base.distribution != nullptr;
  if (base.final_layer) chain.push_back(std::move(base.final_layer));
  if (description) {
    description->kind = "flow";
    description->dim = dim;
    description->base = {spec.base.type, base_has_parameters ? "flow.base" : "", spec.base.config, {}};
    description->context_dim = context_dim;
    if (context_dim > 0) description->context = {"context", "flow.context", spec.context_embedding_config, {}};
  }
  return std::make_unique<Flow>(dim, std::move(chain), std::move(base.distribution), std::move(context));
}

ModelRecipe model_recipe(const SpecSection& model) {
  ModelFamilyContext none;
  return model_family_registry().configure(model)(none);
}

const ModelFamilyRegistry& model_family_registry() {
  const Schema width = s::integer(1, 1 << 16);
  static const ModelFamilyRegistry registry(
      "model.type",
      {register_type(
           "flow", "a normalizing flow: a chain of bijectors from the data to a base distribution",
           {s::field("hidden", width, 64, "default conditioner width"),
            s::field("depth", s::integer(0, 64), 2, "default number of conditioner hidden layers"),
            s::field("activation", s::string(activation_names()), "relu", "default conditioner activation"),
            s::field("scale_bound", s::number(0, std::nullopt, true), 2.0, "default bound on coupling log-scales"),
            s::field("layers", s::array(bijector_registry().schema("bijector type"), 1),
                json::array({json{{"type", "affine_coupling"}}}), "bijectors applied from data to base, in order"),
            s::field("repeat", s::integer(1, 1024), 8, "the layer list is repeated this many times"),
            s::field("base", base_registry().schema("the base distribution p_Z", "standard_normal"), json::object(),
                "base distribution"),
            SchemaField{"context_embedding",
                        network_registry().schema("the embedding network (the network table)", "mlp",
                                                  {s::field("out", width, 8, "E, the features every conditional layer reads")}),
                        json(),
                        "conditional flows: a network from the standardised context c to the E features every "
                        "conditioner reads, a type from the network table (mlp: hidden 64, depth 2, relu unless given); "
                        "default: none, the layers read the standardised c itself",
                        true}},
           &read_flow, &build_flow_recipe)
           .provides("model:flow"),
       register_type(
           "vae", "a variational autoencoder: an encoder q(z|x) and a decoder p(x|z) with one or two stochastic layers",
           {s::field("latent", s::integer(1, 1 << 12), 50, "latent dimension L (of z1 with two stochastic layers)"),
            s::field("stochastic_layers", s::integer(1, 2), 1, "1: x <-> z; 2: x <-> z1 <-> z2 (IWAE paper, Table 1)"),
            s::field("latent2", s::integer(1, 1 << 12), 50, "two layers: dimension of z2"),
            s::field("hidden2", width, 100, "two layers: width of the z1 <-> z2 networks' hidden layers"),
            s::field("hidden", width, 200, "width of every hidden layer of the encoder and the decoder"),
            s::field("depth", s::integer(0, 64), 2, "hidden layers of the encoder and of the decoder"),
            s::field("activation", s::string(activation_names()), "tanh", "hidden activation"),
            SchemaField{"network", network_schema(), json(),
                        "the encoder's and decoder's network: a type from the network table, its keys defaulting to "
                        "model.hidden, model.depth and model.activation (default: an mlp)",
                        true},
            s::field("decoder", decoder_registry().schema("p(x|z), the decoder's likelihood", "bernoulli"), json::object(),
                "the decoder's likelihood"),
            s::field("posterior", posterior_registry().schema("q(z|x), the posterior family", "gaussian"), json::object(),
                "the posterior family")},
           &read_vae, &build_vae_recipe)
           .provides("model:vae")
           .provides("model:one_stochastic_layer", "stochastic_layers", 1)},
      "type");
  return registry;
}

}  // namespace tractable
