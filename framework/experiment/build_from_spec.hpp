#pragma once
// Resolved spec sections -> framework objects. The spec is already validated,
// so these only translate; they never re-check ranges.
#include "core/parameter_store.hpp"
#include "data/dataset.hpp"
#include "distributions/targets/target.hpp"
#include "flows/flow.hpp"
#include "vae/vae.hpp"
#include "objectives/objective.hpp"
#include "optim/learning_rate_schedule.hpp"
#include "optim/optimizer.hpp"
#include "parallel/communicator.hpp"
#include "registry/base_types.hpp"
#include "registry/bijector_types.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>

namespace tractable {

struct ModelDescription;

Dataset load_dataset(const nlohmann::json& data);
// A flow model read from its validated spec section: each layer's registered
// builder holding its typed settings, and the base's.
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
  std::optional<MlpShape> context_embedding;  // model.context_embedding (conditional flows)
  nlohmann::json context_embedding_config;     // its resolved section, or {}
};
FlowModelSpec read_flow_model(const nlohmann::json& model);

// Reserves the flow's parameters in `store` (the caller allocates/initialises).
// `comm` is what BatchNorm reduces its batch statistics over. `description`, if
// given, receives each layer's type, parameter prefix, configuration and fixed arrays.
// `context_dim` C > 0 builds p(x | c): a layer that cannot take a context is a SpecError naming it.
std::unique_ptr<Flow> build_flow(const FlowModelSpec& model, std::size_t dim, ParameterStore& store,
                                 std::uint64_t seed, const Communicator& comm = single_rank(),
                                 ModelDescription* description = nullptr, std::size_t context_dim = 0);
std::unique_ptr<Flow> build_flow(const nlohmann::json& model, std::size_t dim, ParameterStore& store,
                                 std::uint64_t seed, const Communicator& comm = single_rank(),
                                 ModelDescription* description = nullptr, std::size_t context_dim = 0);
// Reserves the VAE's parameters in `store`.
std::unique_ptr<LatentVariableModel> build_vae(const nlohmann::json& model, std::size_t dim, ParameterStore& store);
std::unique_ptr<Optimizer> build_optimizer(const nlohmann::json& optimizer, std::size_t n_params);
LearningRateSchedule build_schedule(const nlohmann::json& optimizer, std::int64_t total_steps);
// objective.target -> the target density (errors name objective.target.<key>).
std::unique_ptr<Target> build_target(const nlohmann::json& target);

}  // namespace tractable
