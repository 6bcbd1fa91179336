#include "registry/network_types.hpp"

#include "core/error.hpp"

#include "nn/conv1d.hpp"
#include "nn/deep_set.hpp"

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

DeepSetShape read_deep_set(const SpecSection& n) {
  DeepSetShape s;
  s.point_dim = n.get<std::size_t>("point_dim");
  s.hidden = n.get<std::size_t>("hidden");
  s.pooled = n.has("pooled") ? n.get<std::size_t>("pooled") : s.hidden;
  s.depth = n.get<std::size_t>("depth");
  s.activation = parse_activation(n.get<std::string>("activation"));
  return s;
}
SequenceShape read_sequence(const SpecSection& n) {
  SequenceShape s;
  s.channels = n.get<std::size_t>("channels");
  s.filters = n.get<std::size_t>("filters");
  s.kernel = n.get<std::size_t>("kernel");
  s.depth = n.get<std::size_t>("depth");
  s.activation = parse_activation(n.get<std::string>("activation"));
  if (s.kernel % 2 == 0) throw SpecError(n.where("kernel") + ": " + std::to_string(s.kernel) + " is even; the kernel must be odd");
  if (s.depth == 0) throw SpecError(n.where("depth") + ": a conv1d network needs at least one convolution");
  return s;
}
NetworkFactory build_sequence(const SequenceShape& shape, NetworkContext&) {
  return [shape](ParameterStore& store, const std::string& name, std::size_t in, std::size_t out) {
    return std::unique_ptr<Layer>(std::make_unique<SequenceNetwork>(store, name, in, out, shape));
  };
}
NetworkFactory build_deep_set(const DeepSetShape& shape, NetworkContext&) {
  return [shape](ParameterStore& store, const std::string& name, std::size_t in, std::size_t out) {
    return std::unique_ptr<Layer>(std::make_unique<DeepSet>(store, name, in, out, shape));
  };
}
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
                      json{{"type", "mlp"}, {"hidden", 3}, {"depth", 0}, {"activation", "relu"}}}),
       register_type(
           "deep_set",
           "permutation invariant (Zaheer et al. 2017): the input is n points of point_dim features, point-major (slcp's "
           "four 2-D draws); y = ρ(mean_i φ(x_i)), φ and ρ MLPs",
           {{"point_dim", s::integer(1, 1 << 16), 2, "d, the features of one point (the input width must be a multiple)",
             false},
            {"pooled", s::integer(1, 1 << 16), nullptr, "width of φ's output, averaged over the points (default: hidden)",
             true},
            {"hidden", s::integer(1, 1 << 16), nullptr, "width of every hidden layer of φ and ρ (default: the place's)",
             true},
            {"depth", s::integer(0, 64), nullptr, "hidden layers of φ and of ρ (default: the place's)", true},
            {"activation", s::string(activation_names()), nullptr, "hidden activation (default: the place's)", true}},
           &read_deep_set, &build_deep_set,
           // Input width 3 in the harness: three points of one feature; and one point of three.
           {json{{"type", "deep_set"}, {"point_dim", 1}, {"hidden", 5}, {"pooled", 4}, {"depth", 1}, {"activation", "tanh"}},
            json{{"type", "deep_set"}, {"point_dim", 3}, {"hidden", 4}, {"depth", 0}, {"activation", "elu"}}}),
       register_type(
           "conv1d",
           "for time series: the input is `channels` series of T steps, channel-major (lotka_volterra: prey then "
           "predators); `depth` zero-padded 1-D convolutions of `filters` channels (the activation after each), then "
           "one linear map from the filters·T features",
           {{"channels", s::integer(1, 1 << 16), 1, "C, the series (the input width must be a multiple)", false},
            {"filters", s::integer(1, 1 << 12), 16, "F, the channels of every convolution", false},
            {"kernel", s::integer(1, 63), 3, "k, odd", false},
            {"depth", s::integer(0, 64), nullptr, "convolutions, at least 1 (default: the place's)", true},
            {"activation", s::string(activation_names()), nullptr, "activation (default: the place's)", true}},
           &read_sequence, &build_sequence,
           // Input width 3 in the harness: one series of 3 steps, and three series of one step.
           {json{{"type", "conv1d"}, {"channels", 1}, {"filters", 2}, {"kernel", 3}, {"depth", 2}, {"activation", "tanh"}},
            json{{"type", "conv1d"}, {"channels", 3}, {"filters", 2}, {"kernel", 1}, {"depth", 1}, {"activation", "elu"}}})});
  return registry;
}

NetworkFactory network_factory(const SpecSection& section) {
  NetworkContext none;
  return network_registry().configure(section)(none);
}

}  // namespace tractable
