// `tractable simulate NAME`: the registered simulators outside a run (registry/simulator_types.hpp).
//   -n N                         N prior draws and their simulations: /parameters [N, D], /observations [N, C]
//   --parameters FILE            simulations at given parameter rows: /observations [N, C]
//   --reference-for FILE -n N    N reference-posterior draws for each observation row: /reference [R, N, D]
// What the reproduction suites draw their observations, resimulations and reference posteriors from.
#include "cli/options.hpp"
#include "cli/table_io.hpp"
#include "data/dataset.hpp"
#include "registry/simulator_types.hpp"

#include <cstdio>

namespace tractable::cli {

int simulate_command(const Arguments& args, const Communicator& comm) {
  po::options_description options("tractable simulate");
  std::string name, out, parameters, reference_for;
  std::size_t n = 0;
  std::uint64_t seed = 0;
  bool force = false;
  ReferenceSettings settings;
  options.add_options()
      ("simulator", po::value(&name)->required(), "a registered simulator (data.simulator): `tractable schema --markdown` lists them")
      ("n,n", po::value(&n), "prior draws (alone), or reference draws per observation (with --reference-for)")
      ("parameters", po::value(&parameters), "simulate at these parameter rows [N, D] (CSV or FILE.h5:/dataset)")
      ("reference-for", po::value(&reference_for),
       "observation rows [R, C] (CSV or FILE.h5:/dataset): draw -n reference posterior samples for each")
      ("abc-epsilon", po::value(&settings.abc_epsilon)->default_value(settings.abc_epsilon),
       "inverse_kinematics reference: accept prior draws with |f(x) - y| below this")
      ("grid", po::value(&settings.grid)->default_value(settings.grid), "two_moons reference: grid cells per side")
      ("seed", po::value(&seed)->default_value(0), "seed")
      ("out,o", po::value(&out)->required(), "HDF5 file to write")
      ("force", po::bool_switch(&force), "replace an existing output file");
  po::positional_options_description positional;
  positional.add("simulator", 1);
  po::variables_map vm;
  if (!parse_options(args, "simulate",
                     options, positional, vm, comm))
    return 0;
  if (!parameters.empty() + !reference_for.empty() > 1)
    throw UsageError("--parameters and --reference-for are different uses of simulate; give one");
  if (parameters.empty() && n == 0) throw UsageError("-n must be positive");
  refuse_existing_output(out, force);
  const SimulatorType& type = simulator_registry().at(name, "tractable simulate");
  if (!reference_for.empty() && !type.reference)
    throw UsageError("tractable simulate: '" + name + "' has no reference posterior (" + type.reference_method + ")");
  const auto simulator = type.make();
  const std::size_t C = simulator->observation_dim(), D = simulator->parameter_dim();
  std::vector<OutputArray> arrays;
  std::vector<std::pair<std::string, std::string>> attributes{{"simulator", name}, {"seed", std::to_string(seed)}};
  if (!parameters.empty()) {
    std::string origin;
    const HostMatrix theta = load_rows(parameters, origin);
    if (theta.extent(1) != D)
      throw DataError(origin + ": " + std::to_string(theta.extent(1)) + " columns, but " + name + " has " +
                      std::to_string(D) + " parameters");
    check_finite(theta, origin);
    const HostMatrix x = simulate_at(*simulator, theta, seed);
    arrays.push_back({"/observations", {x.extent(0), C}, flatten(x)});
    attributes.emplace_back("parameters", parameters);
  } else if (!reference_for.empty()) {
    std::string origin;
    const HostMatrix observations = load_rows(reference_for, origin);
    if (observations.extent(1) != C)
      throw DataError(origin + ": " + std::to_string(observations.extent(1)) + " columns, but " + name +
                      " observations have " + std::to_string(C));
    check_finite(observations, origin);
    // Rows are independent: each rank draws the references of its share, rank 0 writes them all.
    const auto [begin, end] = comm.shard(observations.extent(0));
    std::vector<double> mine;
    std::string method;
    std::vector<double> x(C);
    for (std::size_t r = begin; r < end; ++r) {
      for (std::size_t j = 0; j < C; ++j) x[j] = observations(r, j);
      const ReferenceSamples ref = type.reference(*simulator, x.data(), n, mix64(seed * 1000003ULL + r), settings);
      const auto values = flatten(ref.samples);
      mine.insert(mine.end(), values.begin(), values.end());
      method = ref.method;
    }
    const auto all = comm.gather_to_root(mine);
    arrays.push_back({"/reference", {observations.extent(0), n, D}, all});
    arrays.push_back({"/observations", {observations.extent(0), C}, flatten(observations)});
    attributes.emplace_back("method", method);
  } else {
    const HostMatrix rows = simulate_rows(*simulator, n, seed, SimulationBlock::observations);
    HostMatrix x("x", n, C), theta("theta", n, D);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < C; ++j) x(i, j) = rows(i, j);
      for (std::size_t j = 0; j < D; ++j) theta(i, j) = rows(i, C + j);
    }
    arrays.push_back({"/observations", {n, C}, flatten(x)});
    arrays.push_back({"/parameters", {n, D}, flatten(theta)});
  }
  write_arrays(out, arrays, attributes, comm);
  if (comm.is_root())
    std::printf("wrote %s (%s)\n", out.c_str(),
                !parameters.empty() ? "observations at the given parameters"
                : !reference_for.empty() ? "reference posterior samples"
                                         : "prior draws and their observations");
  return 0;
}

}  // namespace tractable::cli
