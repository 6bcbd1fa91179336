#pragma once
// Numerically stable scalar functions shared by kernels.
#include "core/types.hpp"
#include "core/vector_math.hpp"

namespace tractable {

// log(1 + e^x) = max(x, 0) + log(1 + e^{−|x|}): no overflow for large x, no
// loss of precision for small. Branch-free (selects only), so loops over it vectorise.
KOKKOS_INLINE_FUNCTION Real stable_softplus(Real x) {
  const Real positive = x > Real(0) ? x : Real(0);
  const Real negative_magnitude = x > Real(0) ? -x : x;
  return positive + kmath::log1p(kmath::exp(negative_magnitude));
}

// 1 / (1 + e^{−x}) evaluated on the side that cannot overflow: with e = e^{−|x|},
// 1 / (1 + e) for x ≥ 0 and e / (1 + e) for x < 0. Branch-free.
KOKKOS_INLINE_FUNCTION Real stable_sigmoid(Real x) {
  const Real e = kmath::exp(x >= Real(0) ? -x : x);
  return (x >= Real(0) ? Real(1) : e) / (Real(1) + e);
}

}  // namespace tractable

namespace tractable {

// log Σ_k exp(v(k)) over k < n, shifted by the maximum so nothing overflows.
template <class Values>
KOKKOS_INLINE_FUNCTION Real log_sum_exp(const Values& v, std::size_t n) {
  Real m = v(0);
  for (std::size_t k = 1; k < n; ++k) m = v(k) > m ? v(k) : m;
  Real s = 0;
  for (std::size_t k = 0; k < n; ++k) s += kmath::exp(v(k) - m);
  return m + kmath::log(s);
}

}  // namespace tractable
