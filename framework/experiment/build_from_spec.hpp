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

#include <nlohmann/json.hpp>

#include <memory>

namespace tractable {

struct ModelDescription;

Dataset load_dataset(const nlohmann::json& data);
// Reserves the flow's parameters in `store` (the caller allocates/initialises).
// `comm` is what BatchNorm reduces its batch statistics over. `description`, if
// given, receives each layer's type, parameter prefix, configuration and fixed arrays.
std::unique_ptr<Flow> build_flow(const nlohmann::json& model, std::size_t dim, ParameterStore& store,
                                 std::uint64_t seed, const Communicator& comm = single_rank(),
                                 ModelDescription* description = nullptr);
// Reserves the VAE's parameters in `store`.
std::unique_ptr<LatentVariableModel> build_vae(const nlohmann::json& model, std::size_t dim, ParameterStore& store);
std::unique_ptr<Optimizer> build_optimizer(const nlohmann::json& optimizer, std::size_t n_params);
LearningRateSchedule build_schedule(const nlohmann::json& optimizer, std::int64_t total_steps);
// `target` must outlive the objective (reverse_kl); null for nll.
std::unique_ptr<Objective> build_objective(const nlohmann::json& objective, Flow& flow, const Target* target);
// elbo / iwae: noise from (seed, Stream::noise), keyed on each example's global row.
std::unique_ptr<Objective> build_vae_objective(const nlohmann::json& objective, LatentVariableModel& vae,
                                               std::uint64_t seed, std::size_t global_batch);
// objective.target -> the target density (errors name objective.target.<key>).
std::unique_ptr<Target> build_target(const nlohmann::json& target);

// L when dim = L² (lattice data), else a SpecError that begins with `where`.
std::size_t lattice_side(std::size_t dim, const std::string& where);

// The binary mask of the k-th coupling layer (1 = passes through unchanged).
std::vector<int> coupling_mask(const std::string& kind, std::size_t dim, std::size_t coupling_index);

}  // namespace tractable
