#pragma once
// Users' own simulators (data.source "external_simulator"): any program that
// maps parameter rows to observation rows (or, from Python, a function). Tractable draws θ from a prior the
// spec states (a box or independent normals), writes them to a file, runs
//   COMMAND... INPUT OUTPUT
// (no shell; the two paths appended) and reads x back, `batch` rows per call.
// Files are CSV (one row per line, no header; NaN allowed in the output) or
// HDF5 (/parameters [n, D] in, /observations [n, C] out). Batches are shared
// over the MPI ranks, one per rank at a time. Every simulation is kept in a
// cache file (rewritten whole after each round of batches), so a rerun, a
// resumed run, `tractable eval` or a run with another training seed reuses
// them, and a crashed simulation campaign goes on where it stopped. A
// simulation whose command failed or whose output is not finite is recorded
// in the cache (its status) and left out of the data, never silently: the
// count and the first failure's message go into the dataset's origin, which
// the run file stores.
#include "core/types.hpp"
#include "parallel/communicator.hpp"
#include "sbi/simulators.hpp"

#include <functional>
#include <string>
#include <vector>

namespace tractable {

struct ExternalPrior {
  enum class Kind { uniform, normal };
  Kind kind = Kind::uniform;
  std::vector<double> first, second;  // uniform: low, high; normal: mean, sd  [D]
  std::size_t dim() const { return first.size(); }
  void sample(RandomStream& r, double* theta /*[D]*/) const;
  std::string describe() const;  // what the cache records, to refuse a cache of another prior
};

// An in-process simulator (the Python module's `simulator=` callable): θ rows [rows, D] -> x rows [rows, C],
// NaN for a failed simulation; an exception fails the batch, its message recorded.
using SimulatorFunction =
    std::function<std::vector<double>(const std::vector<double>& theta, std::size_t rows, std::size_t D)>;

struct ExternalSimulatorSettings {
  std::vector<std::string> command;  // empty: `function` simulates
  const SimulatorFunction* function = nullptr;
  std::string function_name;         // what the cache and the data's origin call the function
  ExternalPrior prior;
  std::size_t observation_dim = 0;  // C
  std::size_t batch = 1000;         // rows per call
  std::string format = "csv";       // csv | hdf5
  std::string cache;                // the cache file
};

// Simulation statuses, as the cache stores them.
enum class SimulationStatus { ok = 0, not_finite = 1, command_failed = 2 };

// One call of the simulator on θ rows [b, D]: x [b, C] (NaN where not finite; all NaN when the call
// failed) and the call's failure ("" if none), which names the rows from `first_row` on.
struct SimulationBatch {
  std::vector<double> x;
  std::string failure;
  std::vector<double> statuses(std::size_t C) const;  // SimulationStatus of each row [b]
};
SimulationBatch simulate_batch(const ExternalSimulatorSettings& s, const std::vector<double>& theta, std::size_t b,
                               std::size_t first_row);

// θ of rows first … first + count − 1 of `block`, each from its own row stream [count, D]: the same rows
// whoever draws them (a rank, an array task, a rerun with a larger budget).
void draw_prior_rows(const ExternalPrior& prior, std::uint64_t seed, SimulationBlock block, std::size_t first,
                     std::size_t count, double* theta /*[count, D]*/);

const char* simulation_block_name(SimulationBlock block);  // the cache's group: training, test, observations

// What the cache records for a row whose observation is NaN or infinite (`row`, counted in its block).
std::string not_finite_message(const ExternalSimulatorSettings& s, std::size_t row);

// The cache: per block θ [M, D], x [M, C], status [M] of rows 0 … M − 1, and the first failure's message.
struct CachedSimulations {
  std::vector<double> theta, x, status;
  std::string first_failure;
  std::size_t rows() const { return status.size(); }
};
// What a cache must have been made with to serve these settings (command, prior, width, seed).
std::string simulation_cache_identity(const ExternalSimulatorSettings& s, std::uint64_t seed);
// A block of the cache (none yet: empty); DataError for a cache of other settings or a damaged one.
CachedSimulations read_simulation_cache(const ExternalSimulatorSettings& s, std::uint64_t seed, SimulationBlock block);
// Rewrites the cache durably with `block` replaced (the other blocks kept).
void write_simulation_cache(const ExternalSimulatorSettings& s, std::uint64_t seed, SimulationBlock block,
                            const CachedSimulations& c);

struct ExternalSimulations {
  HostMatrix rows;             // [n_ok, C + D]: [x | θ] of the simulations that succeeded, in row order
  std::size_t failed = 0;      // left out
  std::string first_failure;   // what the first failed simulation's batch said
  std::size_t reused = 0;      // rows read from the cache
};

// Rows 0 … n − 1 of `block` at data.seed `seed`: θ_i from the prior on row i's own stream, x_i by the command
// (or the cache). The cache refuses (DataError) to serve another command, prior, observation width or seed.
ExternalSimulations external_simulations(const ExternalSimulatorSettings& settings, std::size_t n,
                                         std::uint64_t seed, SimulationBlock block, const Communicator& comm);

}  // namespace tractable
