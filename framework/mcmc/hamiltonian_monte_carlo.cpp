#include "mcmc/hamiltonian_monte_carlo.hpp"
#include "core/batch_parallel.hpp"

#include "core/column_sums.hpp"
#include "core/error.hpp"

namespace tractable {

namespace {
// hamiltonian(c) = −log p̃(x_c) + ½ |p_c|²
void hamiltonian(const Vector& log_p /*[C]*/, const Matrix& momentum /*[C, D]*/, const Vector& out /*[C]*/) {
  for_each_row_reduce(
      "tractable::hmc::hamiltonian", momentum.extent(0), momentum.extent(1),
      KOKKOS_LAMBDA(const std::size_t c, const std::size_t j) { return momentum(c, j) * momentum(c, j); },
      KOKKOS_LAMBDA(const std::size_t c, const Real kinetic) { out(c) = -log_p(c) + Real(0.5) * kinetic; });
}

// a += scale · b, elementwise
void axpy(const Matrix& a /*[C, D]*/, Real scale, const Matrix& b /*[C, D]*/) {
  for_each_element(
      "tractable::hmc::axpy", a.extent(0), a.extent(1),
      KOKKOS_LAMBDA(const std::size_t c, const std::size_t j) { a(c, j) += scale * b(c, j); });
}
}  // namespace

HmcResult hamiltonian_monte_carlo(const Target& target, const HmcConfig& config, RandomStream& stream) {
  require(config.chains > 0 && config.trajectories > 0 && config.leapfrog_steps > 0 && config.step_size > 0,
          "hamiltonian_monte_carlo: chains, trajectories, leapfrog steps and step size must be positive");
  const std::size_t C = config.chains, D = target.dim();
  Matrix x("tractable::hmc::x", C, D), proposal("tractable::hmc::proposal", C, D);
  Matrix momentum("tractable::hmc::momentum", C, D), gradient("tractable::hmc::gradient", C, D);
  Matrix uniforms("tractable::hmc::uniforms", C, 1);
  Vector log_p("tractable::hmc::log_p", C), h_start("tractable::hmc::h_start", C), h_end("tractable::hmc::h_end", C);
  Vector row_sum("tractable::hmc::row_sum", C);
  stream.fill_normal(x);
  const Real eps = static_cast<Real>(config.step_size);

  HmcResult result;
  result.coordinate_sum.assign(C, std::vector<double>());
  std::size_t accepted = 0;
  const std::size_t total = config.thermalization + config.trajectories;
  for (std::size_t trajectory = 0; trajectory < total; ++trajectory) {
    stream.fill_normal(momentum);
    target.log_density(x, log_p);
    hamiltonian(log_p, momentum, h_start);
    Kokkos::deep_copy(proposal, x);
    // Leapfrog: half kick, (drift, kick) × n with the last kick halved.
    target.log_density_gradient(proposal, gradient);
    axpy(momentum, eps / 2, gradient);
    for (std::size_t l = 0; l < config.leapfrog_steps; ++l) {
      axpy(proposal, eps, momentum);
      target.log_density_gradient(proposal, gradient);
      axpy(momentum, l + 1 == config.leapfrog_steps ? eps / 2 : eps, gradient);
    }
    target.log_density(proposal, log_p);
    hamiltonian(log_p, momentum, h_end);
    stream.fill_uniform(uniforms, 0, 1);
    const auto accepted_now = std::size_t(sum_over("tractable::hmc::accept", C, KOKKOS_LAMBDA(const std::size_t c) {
      // Accept with min(1, exp(H₀ − H₁)); a non-finite H₁ (diverged trajectory) is rejected.
      const Real dh = h_start(c) - h_end(c);
      const bool accept = dh == dh && kmath::log(uniforms(c, 0)) < dh;
      if (accept)
        for (std::size_t j = 0; j < x.extent(1); ++j) x(c, j) = proposal(c, j);
      return accept ? 1.0 : 0.0;
    }));
    if (trajectory < config.thermalization) continue;
    accepted += accepted_now;
    row_sums(x, row_sum);
    const auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), row_sum);
    for (std::size_t c = 0; c < C; ++c) result.coordinate_sum[c].push_back(double(host(c)));
  }
  result.acceptance = double(accepted) / double(C * config.trajectories);
  return result;
}

}  // namespace tractable
