#pragma once
// Autoregressive rational-quadratic spline flow (Durkan et al. 2019, NSF-AR):
// a MADE gives every coordinate its spline parameters from the coordinates
// before it, u_d = f_d(x_d; θ_d(x_<d)).
//   forward (density):  one parallel pass;
//   inverse (sampling): D sequential passes, each inverting the splines.
// The inverse's backward is exact by implicit differentiation, as for `maf`:
// with J = ∂u/∂x = diag(f') + (∂f/∂θ)(∂θ/∂x) lower triangular in the order,
// dL/du = J^{-T} v is found by D back-substitution sweeps of MADE
// vector–Jacobian products.
#include "core/parameter_store.hpp"
#include "flows/bijector.hpp"
#include "flows/rational_quadratic_spline.hpp"
#include "nn/made.hpp"

namespace tractable {

class SplineAutoregressive : public Bijector {
 public:
  SplineAutoregressive(ParameterStore& store, const std::string& name, std::size_t dim, const MlpShape& made_shape,
                       const SplineConfig& spline, InputOrder order, std::uint64_t order_seed);

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
  // dtheta_ = Σ per coordinate of a_j·∂f/∂θ_j + b_j·∂log f'/∂θ_j at point_, with
  // a_j = a_scale·a(i, j) (or 0 when a is empty) and b_j = b_scale·b(i).
  void parameter_seed(const Matrix& a /*[B, D] or empty*/, Real a_scale, const Vector& b /*[B]*/, Real b_scale);

  std::size_t dim_;
  SplineConfig spline_;
  std::vector<int> degrees_;
  MadeConnectivity connectivity_;  // set while made_ is built (declared before it)
  Mlp made_;
  Matrix raw_;              // [B, P·D] MADE output at point_
  Matrix point_;            // [B, D] the spline's x (forward input or inverse output)
  Matrix output_;           // [B, D]
  Matrix dtheta_;           // [B, P·D]
  Matrix v_, w_;            // [B, D]
  Matrix input_gradient_;   // [B, D]
};

}  // namespace tractable
