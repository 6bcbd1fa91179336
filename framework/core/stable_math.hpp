#pragma once
// Numerically stable scalar functions shared by kernels.
#include "core/types.hpp"

namespace tractable {

// log(1 + e^x) without overflow for large x or loss of precision for small.
KOKKOS_INLINE_FUNCTION Real stable_softplus(Real x) {
  return x > Real(0) ? x + kmath::log1p(kmath::exp(-x)) : kmath::log1p(kmath::exp(x));
}

// 1 / (1 + e^{−x}) evaluated on the side that cannot overflow.
KOKKOS_INLINE_FUNCTION Real stable_sigmoid(Real x) {
  return x >= Real(0) ? Real(1) / (Real(1) + kmath::exp(-x)) : kmath::exp(x) / (Real(1) + kmath::exp(x));
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
