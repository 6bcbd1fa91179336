#pragma once
// The model-family registry (`model.type`): flow, vae. A family reads its
// validated model section into a ModelRecipe — a one-line summary and a
// builder that reserves the model's parameters — so code above it never
// reads the model's JSON.
#include "core/parameter_store.hpp"
#include "flows/flow.hpp"
#include "io/model_description.hpp"
#include "parallel/communicator.hpp"
#include "registry/base_types.hpp"
#include "registry/bijector_types.hpp"
#include "spec/registry.hpp"
#include "vae/latent_variable_model.hpp"

#include <functional>
#include <memory>
#include <optional>

namespace tractable {

// What a model is built into and from.
struct ModelContext {
  ParameterStore& store;        // receives the parameters (the caller allocates and initialises)
  std::size_t dim;              // D
  std::size_t context_dim;      // C: a conditional model p(x | c) (0: unconditional)
  std::uint64_t seed;           // training.seed: fixed draws at build time (permutations)
  const Communicator& comm;     // what BatchNorm reduces its batch statistics over
};

// A built model: exactly one of `flow` and `vae`, and what /model of a run file says about it.
struct BuiltModel {
  std::unique_ptr<Flow> flow;
  std::unique_ptr<LatentVariableModel> vae;  // a VAE of any kind (vae/latent_variable_model.hpp)
  ModelDescription description;
};

struct ModelRecipe {
  std::string family;   // the registered name
  std::string summary;  // `tractable info`'s line: "flow, 3 layer(s) x 8, hidden 64, depth 2, relu"
  bool conditional = false;  // can model p(x | c) (data with context columns)
  std::size_t min_dim = 1;   // the fewest data dimensions it can model
  std::function<BuiltModel(ModelContext&)> build;
};

struct ModelFamilyContext {};  // reading a recipe needs nothing beyond the section
using ModelFamilyRegistry = Registry<ModelRecipe, ModelFamilyContext>;
const ModelFamilyRegistry& model_family_registry();

// A validated model section as its recipe (model.type selects the family).
ModelRecipe model_recipe(const SpecSection& model);

// A flow read from its validated model section: each layer's registered builder holding its typed
// settings, and the base's.
struct FlowModelSpec {
  struct Part {
    std::string type;
    std::string where;       // "model.layers[i]" / "model.base"
    nlohmann::json config;   // the resolved section (inherited keys written in), stored under /model
    std::function<std::unique_ptr<Bijector>(BijectorContext&)> build;
  };
  struct Base {
    std::string type, where;
    nlohmann::json config;
    std::function<BaseParts(BaseContext&)> build;
  };
  std::vector<Part> layers;  // one repetition
  std::size_t repeat = 1;
  Base base;
  std::optional<ContextEmbedding> context_embedding;  // model.context_embedding (conditional flows)
  nlohmann::json context_embedding_config;     // its resolved section, or {}
};
FlowModelSpec read_flow_model(const SpecSection& model);

// Reserves the flow's parameters in `store`. `description`, if given, receives each layer's type,
// parameter prefix, configuration and fixed arrays. `context_dim` C > 0 builds p(x | c): a layer that cannot
// take a context is a SpecError naming it.
std::unique_ptr<Flow> build_flow(const FlowModelSpec& model, std::size_t dim, ParameterStore& store,
                                 std::uint64_t seed, const Communicator& comm = single_rank(),
                                 ModelDescription* description = nullptr, std::size_t context_dim = 0);

}  // namespace tractable
