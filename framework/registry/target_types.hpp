#pragma once
// The target registry (`objective.target.type`): unnormalised densities p̃
// that reverse-KL runs fit a flow to.
#include "distributions/targets/target.hpp"
#include "spec/registry.hpp"

#include <memory>

namespace tractable {

struct TargetContext {};
using TargetRegistration = TypeRegistration<std::unique_ptr<Target>, TargetContext>;
using TargetRegistry = Registry<std::unique_ptr<Target>, TargetContext>;
const TargetRegistry& target_registry();

}  // namespace tractable
