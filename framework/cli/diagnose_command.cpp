// `tractable diagnose RUN.h5 --simulations N`: is a conditional flow trained on
// a registered simulator calibrated? N pairs θ* ~ prior, x ~ p(x | θ*) from
// the simulator's observations block (which no run trains on), --draws L
// posterior draws at each x, then SBC ranks with a χ² uniformity test per
// coordinate and the expected coverage of highest-density regions and of
// TARP at levels 0.05 … 0.95 (experiment/posterior_diagnosis.hpp). Pairs are
// sharded over MPI ranks; rank 0 reports and writes --out, whose plots
// `python3 -m analysis calibrate` draws.
#include "cli/options.hpp"
#include "cli/table_io.hpp"
#include "core/error.hpp"
#include "experiment/posterior_diagnosis.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tractable::cli {

namespace {
std::string format_levels(const std::vector<double>& values) {
  std::string out;
  char cell[16];
  for (const double v : values) {
    std::snprintf(cell, sizeof cell, " %5.3f", v);
    out += cell;
  }
  return out;
}
}  // namespace

int diagnose_command(const Arguments& args, const Communicator& comm) {
  po::options_description options("tractable diagnose");
  std::string path, out;
  std::size_t n = 1000, L = 1000;
  std::uint64_t seed = 0;
  bool force = false, last = false;
  options.add_options()
      ("run", po::value(&path)->required(), "run file of a conditional flow trained on data.source 'simulator'")
      ("simulations", po::value(&n)->default_value(n), "N pairs θ ~ prior, x ~ simulator(θ) (the observations block)")
      ("draws", po::value(&L)->default_value(L), "L posterior draws at each x")
      ("seed", po::value(&seed)->default_value(0), "seed of the pairs, the draws and TARP's reference points")
      ("out,o", po::value(&out), "HDF5 file for the ranks, fractions and coverage (what `python3 -m analysis calibrate` plots)")
      ("force", po::bool_switch(&force), "replace an existing output file");
  add_last_option(options, last);
  po::positional_options_description positional;
  positional.add("run", 1);
  po::variables_map vm;
  if (!parse_options(args, "diagnose", options,
                     positional, vm, comm))
    return 0;
  if (n < 2) throw UsageError("--simulations must be at least 2");
  if (L == 0) throw UsageError("--draws must be positive");
  refuse_existing_output(out, force);
  auto session = load_model_session(path, last);
  const PosteriorDiagnosis d = diagnose_posterior(*session, path, n, L, seed, comm);
  std::vector<OutputArray> arrays;
  if (comm.is_root()) {
    double worst_hdr = 0, worst_tarp = 0;
    for (std::size_t k = 0; k < d.levels.size(); ++k) {
      worst_hdr = std::max(worst_hdr, std::abs(d.hdr_coverage[k] - d.levels[k]));
      worst_tarp = std::max(worst_tarp, std::abs(d.tarp_coverage[k] - d.levels[k]));
    }
    std::printf("%s: %s, %zu simulations (seed %llu), %zu posterior draws each, leakage %.2f %%\n", path.c_str(),
                d.simulator.c_str(), n, static_cast<unsigned long long>(seed), L, 100.0 * d.leakage);
    if (!d.left_out.empty()) {
      std::string which;
      for (std::size_t k = 0; k < d.left_out.size() && k < 10; ++k) which += (k ? ", " : "") + std::to_string(d.left_out[k]);
      std::printf("left out: %zu of %zu pairs (%s%s): 20 rounds of %zu draws left fewer than %zu inside the prior's "
                  "support; the statistics are over the other %zu\n",
                  d.left_out.size(), n, which.c_str(), d.left_out.size() > 10 ? ", …" : "", L, L, d.simulations);
    }
    std::printf("SBC ranks, χ² uniformity p-value per coordinate (10 bins):");
    for (std::size_t j = 0; j < d.dim; ++j) std::printf(" θ%zu %.3f", j + 1, d.sbc_p_values[j]);
    std::printf("\nexpected coverage at levels%s\n  highest-density regions %s\n  TARP                    %s\n",
                format_levels(d.levels).c_str(), format_levels(d.hdr_coverage).c_str(),
                format_levels(d.tarp_coverage).c_str());
    std::printf("largest |coverage − level|: HDR %.3f, TARP %.3f (one standard error at level ½: %.3f)\n", worst_hdr,
                worst_tarp, 0.5 / std::sqrt(double(d.simulations)));
    const std::size_t D = d.dim, C = d.context_dim, K = d.levels.size(), N = d.simulations;
    arrays = {{"/sbc_ranks", {N, D}, d.sbc_ranks},         {"/sbc_p_values", {D}, d.sbc_p_values},
              {"/levels", {K}, d.levels},                   {"/hdr_fraction", {N}, d.hdr_fraction},
              {"/hdr_coverage", {K}, d.hdr_coverage},       {"/tarp_fraction", {N}, d.tarp_fraction},
              {"/tarp_coverage", {K}, d.tarp_coverage},     {"/parameters", {N, D}, d.parameters},
              {"/observations", {N, C}, d.observations}};
    if (!d.left_out.empty())
      arrays.push_back({"/left_out", {d.left_out.size()}, std::vector<double>(d.left_out.begin(), d.left_out.end())});
  }
  if (!out.empty()) {
    write_arrays(out, arrays,
                 {{"run", path}, {"simulator", d.simulator}, {"simulations", std::to_string(n)}, {"draws", std::to_string(L)},
                  {"seed", std::to_string(seed)}, {"leakage", std::to_string(d.leakage)},
                  {"left_out", std::to_string(d.left_out.size())},
                  {"checkpoint", session->checkpoint}, {"checkpoint_step", std::to_string(session->checkpoint_step)}},
                 comm);
    if (comm.is_root()) std::printf("wrote %s\n", out.c_str());
  }
  return 0;
}

}  // namespace tractable::cli
