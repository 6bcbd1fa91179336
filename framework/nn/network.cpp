#include "nn/network.hpp"

#include "nn/mlp.hpp"

namespace tractable {

NetworkFactory mlp_network(std::size_t hidden, std::size_t depth, Activation activation) {
  return [hidden, depth, activation](ParameterStore& store, const std::string& name, std::size_t in, std::size_t out) {
    return std::unique_ptr<Layer>(std::make_unique<Mlp>(store, name, MlpShape{in, hidden, depth, out, activation, false}));
  };
}

}  // namespace tractable
