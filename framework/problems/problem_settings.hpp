#pragma once
// The typed settings the problems are built from (made from a RunSpec by
// experiment/problem_from_spec.cpp; the problems never read JSON).
#include "data/dataset.hpp"
#include "distributions/targets/target.hpp"
#include "problems/mcmc_evaluation.hpp"

#include <memory>
#include <string>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tractable {

struct ProblemSettings {
  std::uint64_t seed = 0;            // training.seed
  std::size_t global_batch = 256;    // training.batch_size
  std::size_t eval_batch = 4096;     // training.eval_batch_size
  std::size_t n_samples = 2000;      // output.n_samples
  std::size_t density_grid = 128;    // output.density_grid
  std::size_t n_data_points = 5000;  // output.n_data_points
  bool dynamic_binarization = false; // data.binarize == "dynamic"
};

// reverse_kl: objective.eval_samples and objective.mcmc.
struct VariationalEvaluationSettings {
  std::size_t eval_samples = 10000;
  McmcOptions mcmc;
};

// elbo / iwae: the training bound's k and what the evaluations measure.
struct LatentEvaluationSettings {
  std::size_t samples = 1;                  // objective.samples
  std::size_t eval_test_points = 0;         // 0: the whole test split
  std::vector<std::size_t> eval_bounds;     // the k of each L_k at the end
  std::size_t eval_importance_samples = 5000;
  std::size_t amortization_gap_points = 0;
  std::size_t amortization_gap_steps = 0;
  double amortization_gap_lr = 0;
};

// What a problem fits: data (nll, elbo, iwae) or an unnormalised target (reverse_kl).
struct ProblemInputs {
  Dataset data;
  std::unique_ptr<Target> target;
  std::string target_name;
  std::size_t dim = 0;          // D
  std::size_t context_dim = 0;  // C: a conditional flow p(x | c)
};

}  // namespace tractable
