#pragma once
// Two-dimensional lattice φ⁴ theory (Albergo, Kanwar & Shanahan 2019; the
// tutorial arXiv 2101.08176) as an unnormalised target p̃(φ) = exp(−S(φ)) on an
// L×L periodic lattice, the field stored row-major, φ(t, s) = x[t·L + s]:
//   S(φ) = Σ_x [ Σ_μ (φ(x+μ̂) − φ(x))² + m² φ(x)² + λ φ(x)⁴ ]
//        = Σ_x [ (4 + m²) φ(x)² − 2 φ(x) (φ(x+t̂) + φ(x+ŝ)) + λ φ(x)⁴ ]
//   ∂S/∂φ(x) = 2 (4 + m²) φ(x) − 2 Σ_{±μ} φ(x±μ̂) + 4 λ φ(x)³
// Each configuration is one row of D = L² values.
#include "distributions/targets/target.hpp"

namespace tractable {

class Phi4Lattice : public Target {
 public:
  Phi4Lattice(std::size_t side, double mass_squared, double coupling);

  std::size_t dim() const override { return side_ * side_; }
  void log_density(const Matrix& x /*[B, L²]*/, const Vector& out /*[B]*/) const override;
  void log_density_gradient(const Matrix& x /*[B, L²]*/, const Matrix& grad /*[B, L²]*/) const override;
  std::string describe() const override;

  std::size_t side() const { return side_; }

 private:
  std::size_t side_;
  double mass_squared_, coupling_;
};

}  // namespace tractable
