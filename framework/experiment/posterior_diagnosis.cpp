#include "experiment/posterior_diagnosis.hpp"

#include "core/error.hpp"
#include "experiment/model_queries.hpp"
#include "registry/simulator_types.hpp"
#include "sbi/calibration.hpp"

#include <cmath>

namespace tractable {

namespace {
struct ShardDraws {
  std::vector<double> draws;  // [m', L, D]: the pairs that got L draws inside the support
  std::vector<double> log_q;  // [m', L]
  std::vector<double> kept;   // [m]: 1 for those pairs, 0 for the others
  std::size_t drawn = 0, rejected = 0;
};

// L draws inside the prior's support at each context row [m, C]: rounds of L more draws at the rows still short,
// at most 20. A pair still short then (its posterior estimate lies more than 95 % outside the support) is left out
// of the statistics and counted, not diagnosed.
ShardDraws draws_inside_support(ModelSession& session, const Simulator& simulator, const HostMatrix& contexts,
                                std::size_t L, RandomStream& stream) {
  const std::size_t m = contexts.extent(0), C = contexts.extent(1), D = session.dim;
  std::vector<std::vector<double>> kept(m), kept_q(m);
  ShardDraws out;
  std::vector<double> theta(D);
  for (int round = 0; round < 20; ++round) {
    std::vector<std::size_t> short_rows;
    for (std::size_t i = 0; i < m; ++i)
      if (kept_q[i].size() < L) short_rows.push_back(i);
    if (short_rows.empty()) break;
    HostMatrix at("tractable::diagnose_contexts", short_rows.size(), C);
    for (std::size_t k = 0; k < short_rows.size(); ++k)
      for (std::size_t j = 0; j < C; ++j) at(k, j) = contexts(short_rows[k], j);
    const ContextSamples s = sample_at_contexts(*session.flow, stream, at, L, 0, short_rows.size() * L, 4096);
    for (std::size_t k = 0; k < short_rows.size() * L; ++k) {
      const std::size_t i = short_rows[k / L];
      if (kept_q[i].size() == L) continue;
      for (std::size_t j = 0; j < D; ++j) theta[j] = s.samples(k, j);
      ++out.drawn;
      if (!std::isfinite(simulator.log_prior(theta.data()))) {
        ++out.rejected;
        continue;
      }
      kept[i].insert(kept[i].end(), theta.begin(), theta.end());
      kept_q[i].push_back(s.log_q[k]);
    }
  }
  for (std::size_t i = 0; i < m; ++i) {
    out.kept.push_back(kept_q[i].size() == L ? 1.0 : 0.0);
    if (kept_q[i].size() < L) continue;
    out.draws.insert(out.draws.end(), kept[i].begin(), kept[i].end());
    out.log_q.insert(out.log_q.end(), kept_q[i].begin(), kept_q[i].end());
  }
  return out;
}
}  // namespace

PosteriorDiagnosis diagnose_posterior(ModelSession& session, const std::string& where, std::size_t n, std::size_t L,
                                      std::uint64_t seed, const Communicator& comm) {
  // n: the pairs simulated; after the draws, the pairs kept.
  if (n < 2) throw UsageError("diagnose: at least 2 simulations are needed");
  if (L == 0) throw UsageError("diagnose: the number of posterior draws must be positive");
  if (session.context_dim == 0 || !session.flow)
    throw UsageError(where + ": not a conditional flow; diagnose judges a posterior q(θ | x)");
  if (!session.spec.data || session.spec.data->simulator.empty())
    throw UsageError(where + ": not trained on a simulator (data.source is not 'simulator'); diagnose draws (θ, x) "
                     "from the run's simulator");
  PosteriorDiagnosis d;
  d.simulator = session.spec.data->simulator;
  const auto simulator = make_simulator(d.simulator, where + ": data.simulator");
  const std::size_t C = simulator->observation_dim(), D = simulator->parameter_dim();
  if (C != session.context_dim || D != session.dim)
    throw DataError(where + ": the flow is p(θ [" + std::to_string(session.dim) + "] | x [" +
                    std::to_string(session.context_dim) + "]), but " + d.simulator + " has θ [" + std::to_string(D) +
                    "] and x [" + std::to_string(C) + "]");
  d.simulations = n;
  d.draws = L;
  d.dim = D;
  d.context_dim = C;

  // Each rank simulates its share of the N pairs (one stream per row, so the pairs do not depend on the ranks).
  const auto [begin, end] = comm.shard(n);
  const std::size_t m = end - begin;
  const HostMatrix pairs = simulate_rows(*simulator, m, seed, SimulationBlock::observations, begin);
  HostMatrix contexts("tractable::diagnose_x", m, C), truth("tractable::diagnose_theta", m, D);
  std::vector<double> my_parameters, my_observations;  // of the pairs kept, in pair order
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t j = 0; j < C; ++j) contexts(i, j) = pairs(i, j);
    for (std::size_t j = 0; j < D; ++j) truth(i, j) = pairs(i, C + j);
  }
  RandomStream stream(seed, comm.rank(), Stream::sample);
  const ShardDraws mine = draws_inside_support(session, *simulator, contexts, L, stream);
  const RowLogProb truth_q =
      log_prob_of_rows(session, rows_with_context(truth, &contexts, "θ*", "x"), 0, 4096, single_rank());

  std::vector<double> truth_kept;
  for (std::size_t i = 0; i < m; ++i) {
    if (mine.kept[i] == 0) continue;
    truth_kept.push_back(truth_q.log_prob[i]);
    for (std::size_t j = 0; j < D; ++j) my_parameters.push_back(truth(i, j));
    for (std::size_t j = 0; j < C; ++j) my_observations.push_back(contexts(i, j));
  }
  const std::vector<double> draws = comm.gather_to_root(mine.draws), log_q = comm.gather_to_root(mine.log_q),
                            log_q_truth = comm.gather_to_root(truth_kept), kept = comm.all_gather(mine.kept);
  d.parameters = comm.gather_to_root(my_parameters);
  d.observations = comm.gather_to_root(my_observations);
  const double drawn = comm.allreduce_sum(double(mine.drawn)), rejected = comm.allreduce_sum(double(mine.rejected));
  d.leakage = rejected / std::max(drawn, 1.0);
  for (std::size_t i = 0; i < n; ++i)
    if (kept[i] == 0) d.left_out.push_back(i);
  if (d.left_out.size() == n)
    throw DataError(where + ": at every one of the " + std::to_string(n) + " pairs, 20 rounds of " +
                    std::to_string(L) + " draws left fewer than " + std::to_string(L) +
                    " inside the prior's support: the flow's mass lies outside it");
  if (!comm.is_root()) return d;
  // The statistics over the pairs kept.
  const std::size_t N = n - d.left_out.size();
  n = N;
  d.simulations = N;
  d.sbc_ranks = sbc_ranks(d.parameters, draws, n, L, D);
  for (std::size_t j = 0; j < D; ++j) d.sbc_p_values.push_back(rank_uniformity_p_value(d.sbc_ranks, n, D, j, L));
  d.levels = coverage_levels();
  d.hdr_fraction = hdr_fractions(log_q_truth, log_q, n, L);
  d.tarp_fraction = tarp_fractions(d.parameters, draws, n, L, D, seed);
  d.hdr_coverage = coverage(d.hdr_fraction, d.levels);
  d.tarp_coverage = coverage(d.tarp_fraction, d.levels);
  return d;
}

}  // namespace tractable
