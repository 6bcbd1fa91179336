#pragma once
// An autoregressive layer over any elementwise transform f
// (flows/elementwise_transform.hpp): a MADE gives coordinate d its parameters
// θ_d from the coordinates before it in the layer's order, and the density
// direction applies h ∈ {f, f^{-1}} coordinate-wise:
//   forward (density):   u_d = h(x_d; θ_d(x_<d)),  log|det| = Σ log h'   one parallel pass
//   inverse (sampling):  x_d = h^{-1}(u_d; θ_d(x_<d))                 D sequential passes
// NSF-AR (Durkan et al. 2019) applies the spline (h = f); MAF (Papamakarios et
// al. 2017) defines its affine map in the sampling direction, x = u·e^α + μ,
// so its density direction applies h = f^{-1}. IAF is MAF inverted
// (flows/inverted.hpp).
//
// The inverse's backward is exact by implicit differentiation: with
// J = ∂u/∂x = diag(h') + (∂h/∂θ)(∂θ/∂x), lower triangular in the order,
// dL/du = J^{-T} v is found by D back-substitution sweeps of MADE
// vector–Jacobian products, and dL/dθ = −w^T ∂h/∂θ + (log-det term).
//
// Conditional: the MADE reads [x | h], the embedded context h [B, E] as extra
// inputs of degree 0 (seen by every hidden unit), so each step stays
// autoregressive in x. dL/dh comes through the same MADE backward as dL/dθ:
// the context enters the inverse only through θ, so the implicit derivative
// is −w^T ∂h/∂θ ∂θ/∂c plus the log-det term, the seeds of the parameters.
#include "core/parameter_store.hpp"
#include "flows/bijector.hpp"
#include "flows/elementwise_transform.hpp"
#include "nn/made.hpp"

namespace tractable {

// Which map the density direction applies.
enum class DensityMap { transform, inverse_transform };

template <class Transform>
class Autoregressive : public Bijector {
 public:
  Autoregressive(ParameterStore& store, const std::string& name, std::size_t dim, const MlpShape& made_shape,
                 const Transform& transform, DensityMap density_map, InputOrder order, std::uint64_t order_seed,
                 std::size_t context_features = 0);

  const Matrix& forward(const Matrix& x, const Vector& logdet) override;
  const Matrix& forward_backward(const Matrix& du, const Vector& dlogdet) override;
  const Matrix& inverse(const Matrix& u, const Vector& logdet) override;
  const Matrix& inverse_backward(const Matrix& dx, const Vector& dlogdet) override;

  std::size_t context_features() const override { return context_features_; }
  void set_context(const Matrix& h, const Matrix& dh) override {
    context_ = h;
    context_gradient_ = dh;
  }
  std::size_t dim() const override { return dim_; }
  PassCost forward_cost() const override { return PassCost::parallel; }
  PassCost inverse_cost() const override { return PassCost::sequential; }
  std::string describe() const override;
  std::vector<FixedArray> fixed_arrays() const override { return made_fixed_arrays(connectivity_); }

 public:
  // Kernel launchers, public only because nvcc refuses a device lambda inside a private or protected
  // member function (tests/lint/kokkos_lint.py); not part of the interface.
  // Each direction once, for h = f (DensityInverted false) or h = f^{-1}.
  template <bool DensityInverted>
  const Matrix& density(const Matrix& x, const Vector& logdet);
  template <bool DensityInverted>
  const Matrix& density_backward(const Matrix& du, const Vector& dlogdet);
  template <bool DensityInverted>
  const Matrix& sample(const Matrix& u, const Vector& logdet);
  template <bool DensityInverted>
  const Matrix& sample_backward(const Matrix& dx, const Vector& dlogdet);
  // dtheta_ = Σ_j seeds of h's backward at (x_, u_): α_j = α_scale·α(i, j) (0 when α is empty), β_j = β_scale·β(i);
  // `direct` [B, D] (if not empty) receives ∂/∂x_j at fixed θ.
  template <bool DensityInverted>
  void seed_parameters(const Matrix& alpha /*[B, D] or empty*/, Real alpha_scale, const Vector& beta /*[B]*/,
                       Real beta_scale, const Matrix& direct /*[B, D] or empty*/);

 private:
  // The MADE on x: x itself, or [x | h] copied into made_input_ for a conditional layer.
  const Matrix& made_forward(const Matrix& x /*[B, D]*/);
  // dL/dh += the context columns of a MADE input gradient [B, D + E].
  void accumulate_context_gradient(const Matrix& made_input_gradient);

  std::size_t dim_;
  std::size_t context_features_;
  Transform transform_;
  bool density_inverted_;        // h = f^{-1} (MAF) rather than f (NSF-AR), applied by forward()
  MadeConnectivity connectivity_;  // set while made_ is built (declared before it)
  Mlp made_;
  Matrix raw_;              // [B, P·D] θ(x_): the MADE output, prepared (flows/elementwise_transform.hpp)
  Matrix prepared_;         // [B, P·D] storage for θ when the transform prepares its parameters
  Matrix x_, u_;            // [B, D] data-side and base-side values of the last call
  Matrix output_;           // [B, D]
  Matrix dtheta_;           // [B, P·D]
  Matrix direct_;           // [B, D]
  Matrix v_, w_;            // [B, D] implicit-differentiation vectors
  Matrix slope_;            // [B, D] h'(x) at the solution, for the sweeps
  Matrix input_gradient_;   // [B, D]
  Vector zeros_;            // [B]
  Matrix context_, context_gradient_;  // [B, E] (E = 0: unconditional)
  Matrix made_input_;                  // [B, D + E]
};

}  // namespace tractable
