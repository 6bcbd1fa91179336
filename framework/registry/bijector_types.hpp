#pragma once
// The bijector registry: every type `model.layers[i].type` may name. Adding a
// bijector is its own files (flows/<name>.{hpp,cpp}: the layer;
// registry/bijectors/<name>.cpp: its keys, settings and builder) and one
// registration in registry/bijector_types.cpp. The schema, the builder, the
// spec reference's layer table and the bijector harness all read this list.
#include "core/batch_reducer.hpp"
#include "core/parameter_store.hpp"
#include "flows/bijector.hpp"
#include "spec/registry.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tractable {

// What building one layer of a flow may use besides its settings.
struct BijectorContext {
  ParameterStore& store;
  std::string name;            // "flow.<index>": the prefix of the layer's parameter names
  std::size_t dim;             // D
  std::uint64_t derived_seed;  // from training.seed and the layer index (random orders, permutations)
  std::size_t& couplings;      // couplings built before this one in the flow: the mask parity
  const BatchReducer& ranks;   // what batch statistics are summed over (BatchNorm)
  std::string where;           // "model.layers[i]", for errors
  std::size_t context_features = 0;  // E: the embedded context a conditional layer reads (0: unconditional flow)
};

using BijectorRegistration = TypeRegistration<std::unique_ptr<Bijector>, BijectorContext>;
using BijectorRegistry = Registry<std::unique_ptr<Bijector>, BijectorContext>;

const BijectorRegistry& bijector_registry();

// Keys a layer may leave out and take from model.* (the conditioner's network).
const std::vector<const char*>& inherited_layer_keys();

// L when dim = L² (lattice data), else a SpecError that begins with `where`.
std::size_t lattice_side(std::size_t dim, const std::string& where);
// The binary mask of the k-th coupling layer (1 = passes through unchanged).
std::vector<int> coupling_mask(const std::string& kind, std::size_t dim, std::size_t coupling_index);

}  // namespace tractable
