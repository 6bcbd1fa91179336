#pragma once
// The affine elementwise transform f(x) = x·exp(s) + t with a bounded
// log-scale s = c·tanh(s_raw / c), so exp(s) ∈ [e^−c, e^c] and training cannot
// blow up through one layer (Dinh et al. 2017; Papamakarios et al. 2017).
// Without a scale block it is the additive transform of NICE (Dinh et al.
// 2015), f(x) = x + t, which preserves volume.
//
// Which parameter block holds what follows the papers' layouts, so the
// conditioner output reads as published: RealNVP [s_raw | t] (scale block 0,
// shift block 1), MAF [μ | α_raw] (shift 0, scale 1), NICE [t].
// Transform concept: flows/elementwise_transform.hpp.
#include "core/error.hpp"
#include "flows/elementwise_transform.hpp"

#include <string>

namespace tractable {

struct AffineTransform {
  Real scale_bound = 2;  // c
  int scale_block = 0;   // −1: additive (no scale)
  int shift_block = 1;

  static AffineTransform affine(Real scale_bound, int scale_block = 0, int shift_block = 1) {
    require(scale_bound > 0, "affine transform: scale bound must be positive");
    return AffineTransform{scale_bound, scale_block, shift_block};
  }
  static AffineTransform additive() { return AffineTransform{1, -1, 0}; }

  bool is_additive() const { return scale_block < 0; }
  KOKKOS_INLINE_FUNCTION int parameters() const { return scale_block < 0 ? 1 : 2; }
  std::string name() const { return is_additive() ? "additive" : "affine"; }
  std::string describe() const { return is_additive() ? "additive" : "affine(scale_bound=" + std::to_string(scale_bound) + ")"; }

  // The log-scale block holds s = c·tanh(s_raw/c) once prepared; the shift passes through.
  static constexpr bool prepares = true;
  KOKKOS_INLINE_FUNCTION Real prepare(int p, Real raw) const {
    return p == scale_block ? scale_bound * kmath::tanh(raw / scale_bound) : raw;
  }
  // ds/ds_raw = 1 − tanh² = 1 − (s/c)².
  KOKKOS_INLINE_FUNCTION Real prepare_backward(int p, Real prepared, Real grad) const {
    if (p != scale_block) return grad;
    const Real r = prepared / scale_bound;
    return grad * (Real(1) - r * r);
  }

  template <class Theta>
  KOKKOS_INLINE_FUNCTION Real log_scale(const Theta& theta) const {
    return scale_block < 0 ? Real(0) : theta(scale_block);
  }

  template <class Theta>
  KOKKOS_INLINE_FUNCTION TransformApplied forward(const Theta& theta, Real x) const {
    const Real s = log_scale(theta);
    return {x * kmath::exp(s) + theta(shift_block), s};
  }
  template <class Theta>
  KOKKOS_INLINE_FUNCTION TransformApplied invert(const Theta& theta, Real y) const {
    const Real s = log_scale(theta);
    return {(y - theta(shift_block)) * kmath::exp(-s), s};
  }

  // f at x with ∂f/∂t = 1, ∂f/∂s = x·e^s, ∂ log f'/∂s = 1 (prepared parameters).
  struct Local {
    Real y, slope, dlog_slope;
    Real x;
    int scale_block, shift_block;
    template <class Grad>
    KOKKOS_INLINE_FUNCTION void vjp(Real a, Real b, const Grad& grad) const {
      if (scale_block >= 0) grad(scale_block) += a * x * slope + b;
      grad(shift_block) += a;
    }
  };
  template <class Theta>
  KOKKOS_INLINE_FUNCTION Local linearize(const Theta& theta, Real x) const {
    const Real e = kmath::exp(log_scale(theta));
    return Local{x * e + theta(shift_block), e, Real(0), x, scale_block, shift_block};
  }
};

}  // namespace tractable
