#pragma once
// A network maps `in` features to `out` (a VAE's encoder and decoder, a
// conditional flow's context embedding): a Layer whose parameters live in a
// store under a name. Which kind of network is a registered type
// (registry/network_types.hpp); a model that holds one only calls its
// factory, so a convolutional or permutation-invariant network is one
// registration, not a change to every model.
#include "core/parameter_store.hpp"
#include "nn/activation.hpp"
#include "nn/layer.hpp"

#include <functional>
#include <memory>
#include <string>

namespace tractable {

using NetworkFactory = std::function<std::unique_ptr<Layer>(ParameterStore& store, const std::string& name,
                                                            std::size_t in, std::size_t out)>;

// Dense layers of `hidden` units, `depth` of them (0: one linear map), `activation` between them (nn/mlp.hpp).
NetworkFactory mlp_network(std::size_t hidden, std::size_t depth, Activation activation);

}  // namespace tractable
