#pragma once
// Masked autoregressive flow step (Papamakarios et al. 2017): a Gaussian MADE
// gives (μ, α) with μ_d, α_d depending only on coordinates before d.
//   forward (density):   u = (x − μ(x)) ⊙ exp(−α(x)),  log|det| = −Σ α    one parallel pass
//   inverse (sampling):  x_d = u_d exp(α_d) + μ_d, coordinate by coordinate  D sequential passes
// α is bounded, α = c·tanh(raw/c). The inverse's backward is exact by
// implicit differentiation: with g the forward map and J = ∂g/∂x (triangular),
// dL/du = J^{-T} v, solved by D back-substitution sweeps of MADE
// vector–Jacobian products, and dL/dθ = −(dL/du)^T ∂g/∂θ + (log-det term).
// IAF (Kingma et al. 2016) is this bijector inverted (flows/inverted.hpp).
#include "core/parameter_store.hpp"
#include "flows/bijector.hpp"
#include "nn/made.hpp"

namespace tractable {

class MaskedAutoregressive : public Bijector {
 public:
  MaskedAutoregressive(ParameterStore& store, const std::string& name, std::size_t dim, const MlpShape& made_shape,
                       Real scale_bound, InputOrder order, std::uint64_t order_seed);

  const Matrix& forward(const Matrix& x, const Vector& logdet) override;
  const Matrix& forward_backward(const Matrix& du, const Vector& dlogdet) override;
  const Matrix& inverse(const Matrix& u, const Vector& logdet) override;
  const Matrix& inverse_backward(const Matrix& dx, const Vector& dlogdet) override;

  std::size_t dim() const override { return dim_; }
  PassCost forward_cost() const override { return PassCost::parallel; }
  PassCost inverse_cost() const override { return PassCost::sequential; }
  std::string describe() const override;
  std::vector<FixedArray> fixed_arrays() const override { return made_fixed_arrays(connectivity_); }

 private:
  void run_made(const Matrix& x /*[B, D]*/);  // -> mu_, alpha_
  // Conditioner output gradient [B, 2D] from per-coordinate dL/dμ and dL/dα.
  void fill_made_gradient(const Matrix& dmu /*[B, D]*/, const Matrix& dalpha /*[B, D]*/);

  std::size_t dim_;
  Real scale_bound_;
  std::vector<int> degrees_;
  MadeConnectivity connectivity_;  // set while made_ is built (declared before it)
  Mlp made_;
  Matrix mu_, alpha_;          // [B, D]
  Matrix input_, output_;      // [B, D]: x and u of the last call (either direction)
  Matrix made_grad_;           // [B, 2D]
  Matrix dmu_, dalpha_;        // [B, D] scratch
  Matrix v_, w_;               // [B, D] implicit-differentiation vectors
  Matrix input_gradient_;      // [B, D]
};

}  // namespace tractable
