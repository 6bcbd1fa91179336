#pragma once
// Expensive simulators as a Slurm job array (data.slurm of an external_simulator). A run does not simulate
// what its cache lacks itself: it cuts the missing rows into batches of data.batch rows, writes each batch's
// parameters to CACHE.slurm/batches/, submits one array whose task i runs `tractable simulate-batch` on
// batch i (which calls the simulator exactly as a local run would and writes CACHE.slurm/results/), and
// exits with code 11 (simulations pending). Run again: finished results are checked (their parameters must
// be the rows the prior draws) and moved into the cache; batches whose array left the queue without a
// result (a task killed at its time limit, a lost node) are submitted again; once the cache holds every
// row the run trains, on the same rows bit for bit as without Slurm. Nothing is simulated twice, and a
// failed simulation is recorded in the cache as a local run records it. One run gathers a campaign at a
// time (CACHE.slurm.lock, io/run_lock.hpp): a second run meanwhile is refused naming the first (exit 5).
//
// CACHE.slurm/
//   campaign.json          the cache's settings, the command, and every submission (script, array job id,
//                          batches)
//   array-<k>.sbatch       the k-th submission's script        logs/<array job>_<task>.log
//   batches/<block>-<first row>.h5   /parameters [b, D]
//   results/<block>-<first row>.h5   /parameters [b, D], /observations [b, C], /status [b], /failure
#include "core/sbatch.hpp"
#include "data/external_simulator.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tractable {

struct SimulationArraySettings : SbatchResources {
  std::int64_t max_concurrent = 0;  // the array's %MAX (0: no limit)
  bool submit = true;               // false: write the script only (submit it, or run its tasks, by hand)
};

// CACHE.slurm: where a cache's array campaign lives.
std::string simulation_array_directory(const std::string& cache);

// For one process (rank 0): moves finished array results into the cache and submits what is missing.
// Returns "" when the cache holds rows 0 … n − 1 of every (block, n); otherwise what is pending, where,
// and what to do (the message of SimulationsPending). The array runs this executable when it is the CLI;
// from the Python module, $TRACTABLE_EXECUTABLE or `tractable` on the job's PATH.
std::string gather_or_submit_simulations(const ExternalSimulatorSettings& settings,
                                         const SimulationArraySettings& slurm,
                                         const std::vector<std::pair<SimulationBlock, std::size_t>>& blocks,
                                         std::uint64_t seed);

// One array task: simulates batch `name` (e.g. training-4000) of the campaign in `directory` and writes its
// result durably. A failing simulator is a result (recorded per row), not an error of the task.
void run_simulation_array_task(const std::string& directory, const std::string& name);

}  // namespace tractable
