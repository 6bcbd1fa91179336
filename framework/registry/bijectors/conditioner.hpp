#pragma once
// The network keys shared by coupling and autoregressive layers: width, depth
// and activation, each defaulting to model.*, read into an MlpShape.
#include "spec/schema.hpp"
#include "nn/mlp.hpp"
#include "spec/spec_section.hpp"

#include <vector>

namespace tractable {

std::vector<SchemaField> conditioner_keys(bool with_scale_bound);
MlpShape read_conditioner(const SpecSection& layer);  // hidden, depth, activation (in and out set by the layer)

}  // namespace tractable
