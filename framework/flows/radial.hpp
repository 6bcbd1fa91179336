#pragma once
// Radial flow (Rezende & Mohamed 2015): in the sampling direction
//   x = y + β̂ h(r) (y − z0),  r = ‖y − z0‖,  h = 1/(α + r),
//   log|det ∂x/∂y| = (D − 1) log(1 + β̂h) + log(1 + β̂ α/(α + r)²),
// with α = softplus(α_raw) > 0 and β̂ = −α + softplus(β_raw) ≥ −α, which keeps
// the map invertible. The explicit map is this bijector's inverse (one
// parallel pass); its forward (data -> base) inverts the radius in closed form
// (a quadratic) and is differentiated implicitly (the Jacobian is a scaled
// identity plus a rank-one term, inverted by Sherman–Morrison).
#include "core/parameter_store.hpp"
#include "flows/bijector.hpp"

namespace tractable {

class Radial : public Bijector {
 public:
  Radial(ParameterStore& store, const std::string& name, std::size_t dim);

  const Matrix& forward(const Matrix& x, const Vector& logdet) override;
  const Matrix& forward_backward(const Matrix& dy, const Vector& dlogdet) override;
  const Matrix& inverse(const Matrix& y, const Vector& logdet) override;
  const Matrix& inverse_backward(const Matrix& dx, const Vector& dlogdet) override;

  std::size_t dim() const override { return dim_; }
  const char* context_refusal() const override {
    return "its parameters are free vectors, not a network's output, so nothing in it can read a context "
           "(a layer made for reverse KL); condition with couplings or autoregressive layers";
  }
  std::string describe() const override { return "Radial(" + std::to_string(dim_) + ")"; }

 public:
  // Kernel launchers, public only because nvcc refuses a device lambda inside a private or protected
  // member function (tests/lint/kokkos_lint.py); not part of the interface.
  // Parameter gradients of the explicit map at y for upstream (gx_sign·gx, gl_sign·gl);
  // also leaves the explicit map's dL/dy in input_gradient_.
  void explicit_backward(const Matrix& y, const Matrix& gx, Real gx_sign, const Vector& gl, Real gl_sign);

 private:
  ParameterStore& store_;
  ParameterId z0_, alpha_, beta_;
  std::size_t dim_;
  Matrix point_, output_, input_gradient_, scratch_;  // [B, D]
  Matrix rows_;                                       // [B, 2] per-row dL/dα, dL/dβ̂
  Vector row_totals_{"tractable::Radial::row_totals", 2};  // [2] Σ_i of rows_' columns
};

}  // namespace tractable
