#pragma once
// The base distribution of a flow, p_Z. Its parameters (if any) live in the
// flow's parameter store; log_prob_backward accumulates their gradients.
#include "core/random.hpp"
#include "core/types.hpp"

#include <string>

namespace tractable {

class BaseDistribution {
 public:
  virtual ~BaseDistribution() = default;
  // out(i) (=|+=) log p_Z(z_i)
  virtual void log_prob(const Matrix& z /*[B, D]*/, const Vector& out /*[B]*/, bool accumulate) = 0;
  // dz = dlogp_i ∇_z log p_Z(z_i); parameter gradients += dlogp_i ∂ log p_Z(z_i)/∂θ.
  virtual void log_prob_backward(const Matrix& z /*[B, D]*/, const Vector& dlogp /*[B]*/, const Matrix& dz /*[B, D]*/) = 0;
  virtual void sample(RandomStream& stream, const Matrix& z /*[B, D]*/) = 0;
  // Whether samples are a differentiable function of the parameters given the
  // noise (reverse KL needs it; a mixture's component choice is not).
  virtual bool reparameterizable() const = 0;
  virtual std::string describe() const = 0;
};

}  // namespace tractable
