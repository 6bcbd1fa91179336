#pragma once
// The network registry (`model.network.type`, `model.context_embedding.type`):
// what a VAE's encoder and decoder and a conditional flow's context embedding
// are made of. A type's keys may be left out and taken from the enclosing
// section (a VAE's model.hidden) or the place's defaults; each registered
// type is gradient-checked by finite differences (tests/unit/test_layers.cpp).
#include "nn/network.hpp"
#include "spec/registry.hpp"

namespace tractable {

struct NetworkContext {};
using NetworkRegistration = TypeRegistration<NetworkFactory, NetworkContext>;
using NetworkRegistry = Registry<NetworkFactory, NetworkContext>;
const NetworkRegistry& network_registry();

// The network a validated section names (its absent keys from `inherited`, the place's defaults).
NetworkFactory network_factory(const SpecSection& section);

}  // namespace tractable
