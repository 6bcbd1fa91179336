#pragma once
// Planar flow (Rezende & Mohamed 2015): in the sampling direction
//   x = y + û tanh(wᵀy + b),  log|det ∂x/∂y| = log|1 + (1 − tanh²(wᵀy + b)) wᵀû|,
// with û = u + (m(wᵀu) − wᵀu) w/‖w‖², m(t) = −1 + softplus(t), so wᵀû > −1 and
// the map is invertible. So this bijector's *inverse* (base -> data) is the
// explicit map, one parallel pass; its forward (data -> base) solves the
// scalar equation a + wᵀû tanh(a) = wᵀx + b per row (safeguarded Newton), and
// is differentiated implicitly (Sherman–Morrison on the rank-one Jacobian).
#include "core/parameter_store.hpp"
#include "flows/bijector.hpp"

namespace tractable {

class Planar : public Bijector {
 public:
  Planar(ParameterStore& store, const std::string& name, std::size_t dim);

  const Matrix& forward(const Matrix& x, const Vector& logdet) override;
  const Matrix& forward_backward(const Matrix& dy, const Vector& dlogdet) override;
  const Matrix& inverse(const Matrix& y, const Vector& logdet) override;
  const Matrix& inverse_backward(const Matrix& dx, const Vector& dlogdet) override;

  std::size_t dim() const override { return dim_; }
  const char* context_refusal() const override {
    return "its parameters are free vectors, not a network's output, so nothing in it can read a context "
           "(a layer made for reverse KL); condition with couplings or autoregressive layers";
  }
  std::string describe() const override { return "Planar(" + std::to_string(dim_) + ")"; }

 public:
  // Kernel launchers, public only because nvcc refuses a device lambda inside a private or protected
  // member function (tests/lint/kokkos_lint.py); not part of the interface.
  void constrain();  // û and the scalars c = wᵀû, t = wᵀu, ‖w‖², k into hat_ and scalars_
  // Parameter gradients of the explicit map at y for upstream (gx_sign·gx, gl_sign·gl).
  void accumulate_parameter_gradients(const Matrix& y, const Matrix& gx, Real gx_sign, const Vector& gl, Real gl_sign);

 private:
  ParameterStore& store_;
  ParameterId u_, w_, b_;
  std::size_t dim_;
  Vector hat_;      // [D] û
  Vector scalars_;  // [4] c = wᵀû, t = wᵀu, n = ‖w‖², k = (m(t) − t)/n
  Matrix point_;    // [B, D] y of the explicit map (inverse input, or forward output)
  Matrix output_, input_gradient_;  // [B, D]
  Matrix rows_;     // [B, 3] per-row tanh(a), dL/da, dL/dc
  Vector dhat_;     // [D]
};

}  // namespace tractable
