#pragma once
// Unnormalised target densities p̃(x) = exp(−E(x)) for variational inference
// by reverse KL: log p̃ and its gradient, per row.
#include "core/types.hpp"

#include <limits>
#include <string>

namespace tractable {

class Target {
 public:
  virtual ~Target() = default;
  virtual std::size_t dim() const = 0;
  // out(i) = log p̃(x_i)
  virtual void log_density(const Matrix& x /*[B, D]*/, const Vector& out /*[B]*/) const = 0;
  // grad(i, :) = ∇_x log p̃(x_i)
  virtual void log_density_gradient(const Matrix& x /*[B, D]*/, const Matrix& grad /*[B, D]*/) const = 0;
  // log ∫ p̃ when it is known in closed form (normalised Gaussian targets: 0), else NaN.
  virtual double log_normalizer() const { return std::numeric_limits<double>::quiet_NaN(); }
  virtual std::string describe() const = 0;
};

}  // namespace tractable
