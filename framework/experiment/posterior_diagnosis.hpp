#pragma once
// Calibration of a conditional flow trained on a registered simulator, shared
// by `tractable diagnose` and the Python module's Model.diagnose (so both
// compute the same numbers by construction): N pairs θ* ~ prior,
// x ~ p(x | θ*) from the simulator's observations block (which no run trains
// on), L posterior draws at each x inside the prior's support (draws outside
// rejected and redrawn, as sbi does; their share is the leakage), then the
// statistics of sbi/calibration.hpp: SBC ranks and their χ² p-values, and the
// expected coverage of highest-density regions and of TARP, over the pairs
// whose draws could be had inside the support (the others are listed).
#include "experiment/model_session.hpp"

#include <string>
#include <vector>

namespace tractable {

struct PosteriorDiagnosis {
  std::string simulator;
  std::size_t simulations = 0, draws = 0, dim = 0, context_dim = 0;  // N (pairs kept), L, D, C
  double leakage = 0;                                                // rejected / drawn, over all ranks
  // Pairs (0-based, of those simulated) left out: 20 rounds of L draws left fewer than L inside the prior's
  // support (the flow's mass at that x lies almost all outside it). Counted and named, never silently.
  std::vector<std::size_t> left_out;
  std::vector<double> parameters, observations;                      // θ* [N, D], x [N, C]
  std::vector<double> sbc_ranks, sbc_p_values;                       // [N, D], [D]
  std::vector<double> levels;                                        // 0.05 … 0.95
  std::vector<double> hdr_fraction, hdr_coverage;                    // [N], [levels]
  std::vector<double> tarp_fraction, tarp_coverage;                  // [N], [levels]
};

// Pairs are sharded over the ranks, each drawing from (seed, rank); the statistics are complete on rank 0 (the
// others return only the settings, the leakage and the pairs left out). UsageError for a model that is not a
// conditional flow trained on a simulator (`where` names it), DataError when every pair is left out.
PosteriorDiagnosis diagnose_posterior(ModelSession& session, const std::string& where, std::size_t simulations,
                                      std::size_t draws, std::uint64_t seed, const Communicator& comm);

}  // namespace tractable
