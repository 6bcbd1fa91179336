#include "problems/mcmc_evaluation.hpp"

#include "core/column_sums.hpp"
#include "mcmc/chain_statistics.hpp"
#include "mcmc/independence_metropolis.hpp"

#include <chrono>

namespace tractable {

namespace {
double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The observable's statistics, under `prefix`: τ_int, χ and its bootstrap error.
void summarise_chains(const Chains& chains, double dim, std::size_t resamples, std::uint64_t seed,
                      const std::string& prefix, McmcReport& report) {
  const auto tau = integrated_autocorrelation_time(chains);
  const auto chi = susceptibility_with_bootstrap(chains, dim, bootstrap_block_length(tau), resamples, seed);
  report.scalars[prefix + "tau_int"] = tau.tau_int;
  report.scalars[prefix + "chi2"] = chi.value;
  report.scalars[prefix + "chi2_error"] = chi.error;
  report.scalars[prefix + "bootstrap_block"] = double(chi.block);
}
}  // namespace

McmcReport evaluate_mcmc(Flow& flow, const Target& target, const McmcOptions& options, std::uint64_t seed,
                         std::size_t batch) {
  McmcReport report;
  const std::size_t D = target.dim();
  if (options.proposals > options.thermalization) {
    const auto start = std::chrono::steady_clock::now();
    // Proposals, their log weights log p̃ − log q and coordinate sums, in parallel batches.
    RandomStream proposal_stream(seed, 0, Stream::mcmc);
    std::vector<double> log_weights, sums;
    log_weights.reserve(options.proposals);
    sums.reserve(options.proposals);
    Matrix z;
    Vector log_q, log_p, row_sum;
    for (std::size_t first = 0; first < options.proposals; first += batch) {
      const std::size_t n = std::min(batch, options.proposals - first);
      ensure_shape(z, n, D, "tractable::mcmc::z");
      ensure_shape(log_p, n, "tractable::mcmc::log_p");
      ensure_shape(row_sum, n, "tractable::mcmc::row_sum");
      flow.base().sample(proposal_stream, z);
      const Matrix x = flow.sample_from_base(z, log_q);
      target.log_density(x, log_p);
      row_sums(x, row_sum);
      const auto lq = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), log_q);
      const auto lp = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), log_p);
      const auto rs = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), row_sum);
      for (std::size_t i = 0; i < n; ++i) {
        log_weights.push_back(double(lp(i)) - double(lq(i)));
        sums.push_back(double(rs(i)));
      }
    }
    RandomStream uniforms(seed, 1, Stream::mcmc);
    const auto chain = independence_metropolis(log_weights, uniforms);
    Chains observable(1);
    for (std::size_t j = options.thermalization; j < chain.state.size(); ++j)
      observable[0].push_back(sums[chain.state[j]]);
    report.scalars["mcmc_flow_acceptance"] = chain.acceptance;
    summarise_chains(observable, double(D), options.bootstrap_resamples, seed, "mcmc_flow_", report);
    report.scalars["mcmc_flow_seconds"] = seconds_since(start);
    report.arrays.push_back(NamedArray{"/eval/mcmc/flow_coordinate_sum", observable[0], {observable[0].size()},
                                       {{"thermalization", double(options.thermalization)}}});
  }
  if (options.hmc_chains > 0) {
    const auto start = std::chrono::steady_clock::now();
    HmcConfig config = options.hmc;
    config.chains = options.hmc_chains;
    RandomStream stream(seed, 2, Stream::mcmc);
    const HmcResult hmc = hamiltonian_monte_carlo(target, config, stream);
    report.scalars["mcmc_hmc_acceptance"] = hmc.acceptance;
    summarise_chains(hmc.coordinate_sum, double(D), options.bootstrap_resamples, seed, "mcmc_hmc_", report);
    report.scalars["mcmc_hmc_seconds"] = seconds_since(start);
    std::vector<double> flat;
    for (const auto& c : hmc.coordinate_sum) flat.insert(flat.end(), c.begin(), c.end());
    report.arrays.push_back(NamedArray{"/eval/mcmc/hmc_coordinate_sum", flat,
                                       {hmc.coordinate_sum.size(), hmc.coordinate_sum.front().size()},
                                       {{"leapfrog_steps", double(config.leapfrog_steps)},
                                        {"step_size", config.step_size},
                                        {"thermalization", double(config.thermalization)}}});
  }
  return report;
}

}  // namespace tractable
