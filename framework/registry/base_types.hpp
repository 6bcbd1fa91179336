#pragma once
// The base-distribution registry (`model.base.type`). A base is a
// distribution, optionally behind a final elementwise layer of the chain (the
// learnable diagonal Gaussian is N(0, I) behind an elementwise affine map).
#include "core/parameter_store.hpp"
#include "distributions/bases/base_distribution.hpp"
#include "flows/bijector.hpp"
#include "spec/registry.hpp"

#include <memory>

namespace tractable {

struct BaseParts {
  std::unique_ptr<Bijector> final_layer;           // appended to the chain (null: none)
  std::unique_ptr<BaseDistribution> distribution;  // null: N(0, I)
};
struct BaseContext {
  ParameterStore& store;
  std::size_t dim;
  std::size_t context_features = 0;  // E > 0: a conditional flow's base may read the embedded context
};

using BaseRegistration = TypeRegistration<BaseParts, BaseContext>;
using BaseRegistry = Registry<BaseParts, BaseContext>;
const BaseRegistry& base_registry();

}  // namespace tractable
