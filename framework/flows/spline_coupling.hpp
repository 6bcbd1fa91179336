#pragma once
// Rational-quadratic spline coupling (Durkan et al. 2019, NSF-C): the masked
// coordinates pass through and feed a conditioner MLP that outputs the raw
// spline parameters of every other coordinate; each of those is transformed by
// its monotone spline (identity tails outside [−B, B]). Both directions are
// one parallel pass; the inverse solves each bin's quadratic.
#include "core/parameter_store.hpp"
#include "flows/bijector.hpp"
#include "flows/rational_quadratic_spline.hpp"
#include "flows/masked_conditioner.hpp"

#include <vector>

namespace tractable {

class SplineCoupling : public Bijector {
 public:
  SplineCoupling(ParameterStore& store, const std::string& name, const std::vector<int>& mask,
                 const MlpShape& conditioner_shape, const SplineConfig& spline);

  const Matrix& forward(const Matrix& x, const Vector& logdet) override;
  const Matrix& forward_backward(const Matrix& dy, const Vector& dlogdet) override;
  const Matrix& inverse(const Matrix& y, const Vector& logdet) override;
  const Matrix& inverse_backward(const Matrix& dx, const Vector& dlogdet) override;

  std::size_t dim() const override { return dim_; }
  std::string describe() const override;
  // "mask" [D]: 1 = passes through unchanged and feeds the conditioner.
  std::vector<FixedArray> fixed_arrays() const override { return {fixed_vector("mask", conditioner_.host_mask())}; }

 private:

  std::size_t dim_;
  SplineConfig spline_;
  MaskedConditioner conditioner_;
  Matrix raw_;               // [B, P·D] conditioner output
  Matrix point_;             // [B, D] the spline's x: forward input, or inverse output
  Matrix output_;            // [B, D]
  Matrix conditioner_grad_;  // [B, P·D]
  Matrix input_gradient_;    // [B, D]
};

}  // namespace tractable
