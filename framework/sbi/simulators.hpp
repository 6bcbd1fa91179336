#pragma once
// Simulators with a prior: the data sources of simulation-based inference.
// θ ~ prior, x ~ simulator(θ); a conditional flow learns the posterior
// p(θ | x), so the data rows are [x | θ]: the observation is the context.
// The tasks themselves (sbi/tasks/) are sbibm's (Lueckmann et al. 2021) and
// Kruse et al.'s (2021) inverse kinematics arm; see shared/PAPERS.md.
#include "core/random.hpp"
#include "core/types.hpp"

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace tractable {

class Simulator {
 public:
  virtual ~Simulator() = default;
  virtual std::string name() const = 0;
  virtual std::size_t parameter_dim() const = 0;    // D: θ, what the posterior is over
  virtual std::size_t observation_dim() const = 0;  // C: x, the context
  virtual void sample_prior(RandomStream& r, double* theta /*[D]*/) const = 0;
  virtual double log_prior(const double* theta /*[D]*/) const = 0;  // −∞ outside the support (up to a constant)
  virtual void simulate(RandomStream& r, const double* theta /*[D]*/, double* x /*[C]*/) const = 0;
  // log p(x | θ) where it is tractable (up to a constant in θ); −∞ where x cannot occur. A deterministic
  // simulator (inverse kinematics) has none: has_likelihood() is false and this throws.
  virtual bool has_likelihood() const { return true; }
  virtual double log_likelihood(const double* theta /*[D]*/, const double* x /*[C]*/) const = 0;
  // At least the draws sample_prior and simulate take from the stream for one row: rows' streams start this
  // far apart, so no two rows share a draw (checked for every registered simulator by the harness). 64 keeps
  // the rows the simulators drew before it was declared.
  virtual std::size_t draws_per_row() const { return 64; }
};

// The simulators are registered once, with their reference posteriors: registry/simulator_types.hpp.

// Independent sets of simulations drawn with one seed, each from its own block of the stream: a run's
// training and test rows, and `tractable simulate`'s observations, which are therefore never training rows.
enum class SimulationBlock : std::uint64_t { training = 0, test = 1, observations = 2 };

// Row `row` of `block` draws from its own counter range of the seed's stream, `draws_per_row` apart, so the first
// n rows of a larger set are the same rows (the registered simulators and the external ones alike).
RandomStream simulation_row_stream(std::uint64_t seed, SimulationBlock block, std::size_t row, std::size_t draws_per_row);

// n seeded simulations as rows [x | θ], [n, C + D], from `block`: rows first … first + n − 1 of it.
HostMatrix simulate_rows(const Simulator& simulator, std::size_t n, std::uint64_t seed, SimulationBlock block,
                         std::size_t first = 0);

// x = simulator(θ) for given parameter rows [n, D] -> [n, C], seeded; the noise of row i is the training
// block's row i (so at a run's seed it repeats that run's training noise: only noisy simulators notice).
HostMatrix simulate_at(const Simulator& simulator, const HostMatrix& theta, std::uint64_t seed);

}  // namespace tractable
