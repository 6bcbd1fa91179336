#include "registry/network_types.hpp"

namespace tractable {

namespace {
namespace s = schema;
using nlohmann::json;

struct MlpSettings {
  std::size_t hidden, depth;
  Activation activation;
};
MlpSettings read_mlp(const SpecSection& n) {
  return {n.get<std::size_t>("hidden"), n.get<std::size_t>("depth"), parse_activation(n.get<std::string>("activation"))};
}
NetworkFactory build_mlp(const MlpSettings& m, NetworkContext&) { return mlp_network(m.hidden, m.depth, m.activation); }
}  // namespace

const NetworkRegistry& network_registry() {
  static const NetworkRegistry registry(
      "model.network.type",
      {register_type("mlp", "dense layers with an activation between them (no output activation)",
                     {{"hidden", s::integer(1, 1 << 16), nullptr, "width of every hidden layer (default: the place's)", true},
                      {"depth", s::integer(0, 64), nullptr, "hidden layers, 0: one linear map (default: the place's)", true},
                      {"activation", s::string(activation_names()), nullptr, "hidden activation (default: the place's)",
                       true}},
                     &read_mlp, &build_mlp,
                     {json{{"type", "mlp"}, {"hidden", 5}, {"depth", 2}, {"activation", "tanh"}},
                      json{{"type", "mlp"}, {"hidden", 3}, {"depth", 0}, {"activation", "relu"}}})});
  return registry;
}

NetworkFactory network_factory(const SpecSection& section) {
  NetworkContext none;
  return network_registry().configure(section)(none);
}

}  // namespace tractable
