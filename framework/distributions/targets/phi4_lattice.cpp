#include "distributions/targets/phi4_lattice.hpp"
#include "core/batch_parallel.hpp"

#include "core/error.hpp"

#include <sstream>

namespace tractable {

Phi4Lattice::Phi4Lattice(std::size_t side, double mass_squared, double coupling)
    : side_(side), mass_squared_(mass_squared), coupling_(coupling) {
  if (side < 2) throw SpecError("objective.target.side: a periodic lattice needs L >= 2, got " + std::to_string(side));
}

std::string Phi4Lattice::describe() const {
  std::ostringstream s;
  s << "phi4(L=" << side_ << ", m2=" << mass_squared_ << ", lambda=" << coupling_ << ")";
  return s.str();
}

// One team per configuration would suit large lattices; at L ≤ 32 a flat loop over
// configurations keeps each row's L² sites in one thread's cache.
void Phi4Lattice::log_density(const Matrix& x, const Vector& out) const {
  require(x.extent(1) == dim(), "Phi4Lattice::log_density: rows must hold L² sites");
  const std::size_t L = side_;
  const Real on_site = Real(4 + mass_squared_), lambda = Real(coupling_);
  // log p̃ = −S: each site's term of the action, negated, summed over the configuration's row.
  for_each_row_sum(
      "tractable::Phi4Lattice::log_density", x.extent(0), L * L, out, false,
      KOKKOS_LAMBDA(const std::size_t b, const std::size_t site) {
        const std::size_t t = site / L, s = site % L;
        const Real phi = x(b, site);
        const Real hop = x(b, ((t + 1) % L) * L + s) + x(b, t * L + (s + 1) % L);  // forward neighbours only
        const Real phi2 = phi * phi;
        return -(on_site * phi2 - 2 * phi * hop + lambda * phi2 * phi2);
      });
}

void Phi4Lattice::log_density_gradient(const Matrix& x, const Matrix& grad) const {
  require(x.extent(1) == dim() && grad.extent(0) == x.extent(0) && grad.extent(1) == dim(),
          "Phi4Lattice::log_density_gradient: shapes");
  const std::size_t L = side_;
  const Real on_site = Real(4 + mass_squared_), lambda = Real(coupling_);
  for_each_element(
      "tractable::Phi4Lattice::log_density_gradient", x.extent(0), L * L,
      KOKKOS_LAMBDA(const std::size_t b, const std::size_t site) {  // one (configuration, site) pair
        const std::size_t t = site / L, s = site % L;
        const Real phi = x(b, site);
        const Real neighbours = x(b, ((t + 1) % L) * L + s) + x(b, ((t + L - 1) % L) * L + s) +
                                x(b, t * L + (s + 1) % L) + x(b, t * L + (s + L - 1) % L);
        grad(b, site) = -(2 * on_site * phi - 2 * neighbours + 4 * lambda * phi * phi * phi);
      });
}

}  // namespace tractable
