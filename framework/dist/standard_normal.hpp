#pragma once
// The standard normal base distribution N(0, I_D).
#include "core/random.hpp"
#include "core/types.hpp"

namespace tractable {

struct StandardNormal {
  // log_prob(i) (=|+=) log N(z_i; 0, I) = −½‖z_i‖² − (D/2) log 2π
  static void log_prob(const Matrix& z /*[B, D]*/, const Vector& out /*[B]*/, bool accumulate);
  // dz = dlogp ⊙ ∇_z log N(z) = −dlogp_i · z_i
  static void log_prob_backward(const Matrix& z /*[B, D]*/, const Vector& dlogp /*[B]*/, const Matrix& dz /*[B, D]*/);
  static void sample(RandomStream& stream, const Matrix& z /*[B, D]*/) { stream.fill_normal(z); }
};

}  // namespace tractable
