#include "sbi/simulators.hpp"

#include "core/error.hpp"


namespace tractable {

RandomStream simulation_row_stream(std::uint64_t seed, SimulationBlock block, std::size_t row, std::size_t draws_per_row) {
  return RandomStream(seed, static_cast<int>(block), Stream::data, std::uint64_t(row) * draws_per_row);
}

HostMatrix simulate_rows(const Simulator& simulator, std::size_t n, std::uint64_t seed, SimulationBlock block,
                         std::size_t first) {
  const std::size_t C = simulator.observation_dim(), D = simulator.parameter_dim();
  HostMatrix rows("tractable::simulations", n, C + D);
  std::vector<double> theta(D), x(C);
  for (std::size_t i = 0; i < n; ++i) {
    RandomStream r = simulation_row_stream(seed, block, first + i, simulator.draws_per_row());
    simulator.sample_prior(r, theta.data());
    simulator.simulate(r, theta.data(), x.data());
    for (std::size_t j = 0; j < C; ++j) rows(i, j) = static_cast<Real>(x[j]);
    for (std::size_t j = 0; j < D; ++j) rows(i, C + j) = static_cast<Real>(theta[j]);
  }
  return rows;
}

HostMatrix simulate_at(const Simulator& simulator, const HostMatrix& theta, std::uint64_t seed) {
  const std::size_t C = simulator.observation_dim(), D = simulator.parameter_dim();
  require(theta.extent(1) == D, "simulate_at: parameter rows have the wrong width");
  HostMatrix out("tractable::simulate_at", theta.extent(0), C);
  std::vector<double> t(D), x(C);
  for (std::size_t i = 0; i < theta.extent(0); ++i) {
    RandomStream r = simulation_row_stream(seed, SimulationBlock::training, i, simulator.draws_per_row());
    for (std::size_t j = 0; j < D; ++j) t[j] = theta(i, j);
    simulator.simulate(r, t.data(), x.data());
    for (std::size_t j = 0; j < C; ++j) out(i, j) = static_cast<Real>(x[j]);
  }
  return out;
}

}  // namespace tractable
