#pragma once
// A model built from a spec given as JSON, as a run builds it (RunSpec -> its model recipe), without
// allocating: the tests allocate and initialise the store themselves.
#include "experiment/run_spec.hpp"

namespace tractable::testing {

inline std::unique_ptr<Flow> flow_from_spec(const RunSpec& spec, std::size_t dim, ParameterStore& store,
                                            std::uint64_t seed, std::size_t context_dim = 0) {
  ModelContext context{store, dim, context_dim, seed, single_rank()};
  return spec.model.build(context).flow;
}

inline std::unique_ptr<Flow> flow_from_spec(const nlohmann::json& raw, std::size_t dim, ParameterStore& store,
                                            std::uint64_t seed, std::size_t context_dim = 0) {
  return flow_from_spec(resolve_spec(raw, {}, "test"), dim, store, seed, context_dim);
}

}  // namespace tractable::testing
