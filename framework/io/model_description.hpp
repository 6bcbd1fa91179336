#pragma once
// What a run file says about its model beyond the parameters: for a flow, each
// layer's type, the prefix of its parameter names, its resolved configuration
// and its fixed arrays, and the base distribution. Written to /model so that a
// reader with h5py and docs/reference/run-file.md can rebuild the model without our code.
#include "core/fixed_array.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace tractable {

struct LayerDescription {
  std::string type;              // the spec's type: "affine_coupling", "maf", "reverse", "diagonal_gaussian", ...
  std::string parameter_prefix;  // "flow.<index>" (or "flow.base"): the layer's names in /checkpoint
  nlohmann::json config;         // the layer's resolved spec, keys inherited from model.* filled in
  std::vector<FixedArray> arrays;
};

struct ModelDescription {
  std::string kind;  // "flow" | "vae" ("" before a model is described)
  std::size_t dim = 0;
  std::vector<LayerDescription> layers;  // chain order, data -> base
  LayerDescription base;
  // A conditional flow p(x | c): C context columns, and how they are read (type "context", prefix
  // "flow.context", config = model.context_embedding or {}); 0 and empty when unconditional.
  std::size_t context_dim = 0;
  LayerDescription context;
};

}  // namespace tractable
