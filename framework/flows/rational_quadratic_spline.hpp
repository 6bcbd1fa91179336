#pragma once
// Monotone rational-quadratic splines (Gregory & Delbourgo 1982; Durkan et al.
// 2019, "Neural Spline Flows") as device functions on one coordinate.
//
// Parameters per coordinate (P = 3K − 1 raw values): K bin widths and K bin
// heights (softmax, floored at min_bin_width/height), K − 1 interior knot
// derivatives (min_derivative + softplus, offset so raw 0 gives 1: all-zero
// raw parameters are the identity); the boundary derivatives are 1, so
// the map joins the identity tails outside [−B, B] with a continuous slope.
//
// Forward y = f(x), slope f'(x) > 0. The backward of both directions needs only
//   * f, f' and ∂ log f'/∂x at x  (evaluate), and
//   * a·∂f/∂θ + b·∂ log f'/∂θ for seeds a, b  (parameter_vjp),
// hand-derived in reverse mode through the bin's formula, the cumulative knot
// positions and the softmax/softplus. The inverse solves the bin's quadratic
// with a clamped discriminant, so it stays finite on knots and in the tails.
#include "core/types.hpp"
#include "core/stable_math.hpp"
#include "core/error.hpp"
#include "flows/elementwise_transform.hpp"

#include <string>

namespace tractable {

struct SplineConfig {
  int bins = 8;
  Real tail_bound = 3;
  Real min_bin_width = Real(1e-3);
  Real min_bin_height = Real(1e-3);
  Real min_derivative = Real(1e-3);
  static constexpr int max_bins = 64;
  KOKKOS_INLINE_FUNCTION int parameters() const { return 3 * bins - 1; }
};

namespace spline_detail {

// Added to the raw derivative so that raw = 0 gives derivative 1: a conditioner
// whose last layer starts at zero then starts every spline as the identity.
KOKKOS_INLINE_FUNCTION Real derivative_offset(Real min_derivative) {
  return kmath::log(kmath::expm1(Real(1) - min_derivative));
}

// softmax of raw[0..K), floored: out_i = floor + (1 − K·floor)·softmax_i; also returns the softmax itself.
template <class Raw>
KOKKOS_INLINE_FUNCTION void floored_softmax(const Raw& raw, int offset, int k_count, Real floor, Real* out,
                                            Real* soft) {
  Real m = raw(offset);
  for (int i = 1; i < k_count; ++i) m = raw(offset + i) > m ? raw(offset + i) : m;
  Real total = 0;
  for (int i = 0; i < k_count; ++i) {
    soft[i] = kmath::exp(raw(offset + i) - m);
    total += soft[i];
  }
  for (int i = 0; i < k_count; ++i) {
    soft[i] /= total;
    out[i] = floor + (Real(1) - Real(k_count) * floor) * soft[i];
  }
}

// The bin geometry around one point.
struct Bin {
  int k;                // bin index
  Real x0, width;       // left knot and width in x
  Real y0, height;      // bottom knot and height in y
  Real d0, d1;          // derivatives at the bin's left and right knots
};

// Knots from raw parameters; `locate_by_y` picks the bin containing `v` in y (inverse) instead of x.
template <class Raw>
KOKKOS_INLINE_FUNCTION Bin find_bin(const SplineConfig& c, const Raw& raw, Real v, bool locate_by_y, Real* widths,
                                    Real* heights, Real* soft_w, Real* soft_h) {
  const int K = c.bins;
  const Real B = c.tail_bound;
  floored_softmax(raw, 0, K, c.min_bin_width, widths, soft_w);
  floored_softmax(raw, K, K, c.min_bin_height, heights, soft_h);
  Bin b{K - 1, 0, 0, 0, 0, 1, 1};
  Real x_left = -B, y_left = -B;
  for (int i = 0; i < K; ++i) {
    const Real w = 2 * B * widths[i], h = 2 * B * heights[i];
    const Real right = locate_by_y ? y_left + h : x_left + w;
    if (i == K - 1 || v < right) {
      b.k = i;
      b.x0 = x_left;
      b.width = w;
      b.y0 = y_left;
      b.height = h;
      break;
    }
    x_left += w;
    y_left += h;
  }
  const Real offset = derivative_offset(c.min_derivative);
  b.d0 = b.k == 0 ? Real(1) : c.min_derivative + stable_softplus(raw(2 * K + b.k - 1) + offset);
  b.d1 = b.k == K - 1 ? Real(1) : c.min_derivative + stable_softplus(raw(2 * K + b.k) + offset);
  return b;
}

}  // namespace spline_detail

namespace spline_detail {
// f, f', ∂ log f'/∂x at x inside bin b (ξ clamped to [0, 1]).
KOKKOS_INLINE_FUNCTION TransformValue bin_value(const Bin& b, Real x) {
  TransformValue out;
  const Real s = b.height / b.width;
  Real xi = (x - b.x0) / b.width;
  xi = xi < Real(0) ? Real(0) : (xi > Real(1) ? Real(1) : xi);
  const Real q = xi * (1 - xi);
  const Real den = s + (b.d1 + b.d0 - 2 * s) * q;
  const Real n2 = b.d1 * xi * xi + 2 * s * q + b.d0 * (1 - xi) * (1 - xi);
  out.y = b.y0 + b.height * (s * xi * xi + b.d0 * q) / den;
  out.slope = s * s * n2 / (den * den);
  const Real dlog_dxi = (2 * b.d1 * xi + 2 * s * (1 - 2 * xi) - 2 * b.d0 * (1 - xi)) / n2 -
                        2 * (b.d1 + b.d0 - 2 * s) * (1 - 2 * xi) / den;
  out.dlog_slope = dlog_dxi / b.width;
  return out;
}
}  // namespace spline_detail

// f, f', ∂ log f'/∂x at x. `raw` is indexable raw(p), p < P.
template <class Raw>
KOKKOS_INLINE_FUNCTION TransformValue spline_evaluate(const SplineConfig& c, const Raw& raw, Real x) {
  if (x <= -c.tail_bound || x >= c.tail_bound) return TransformValue{x, 1, 0};  // identity tails
  Real widths[SplineConfig::max_bins], heights[SplineConfig::max_bins];
  Real soft_w[SplineConfig::max_bins], soft_h[SplineConfig::max_bins];
  return spline_detail::bin_value(spline_detail::find_bin(c, raw, x, false, widths, heights, soft_w, soft_h), x);
}

// x = f^{-1}(y); also returns f'(x) and ∂ log f'/∂x there.
template <class Raw>
KOKKOS_INLINE_FUNCTION TransformValue spline_invert(const SplineConfig& c, const Raw& raw, Real y, Real& x) {
  if (y <= -c.tail_bound || y >= c.tail_bound) {
    x = y;
    return TransformValue{y, 1, 0};
  }
  Real widths[SplineConfig::max_bins], heights[SplineConfig::max_bins];
  Real soft_w[SplineConfig::max_bins], soft_h[SplineConfig::max_bins];
  const auto b = spline_detail::find_bin(c, raw, y, true, widths, heights, soft_w, soft_h);
  const Real s = b.height / b.width;
  const Real dy = y - b.y0;
  const Real sum_d = b.d1 + b.d0 - 2 * s;
  const Real qa = b.height * (s - b.d0) + dy * sum_d;
  const Real qb = b.height * b.d0 - dy * sum_d;
  const Real qc = -s * dy;
  Real disc = qb * qb - 4 * qa * qc;
  disc = disc > Real(0) ? disc : Real(0);  // rounding can push it just below zero
  const Real denom = -qb - kmath::sqrt(disc);
  // The root 2c / (−b − √disc) is the stable form of the quadratic formula;
  // denom is 0 only when y sits on the bin's bottom knot (then ξ = 0).
  Real xi = denom != Real(0) ? 2 * qc / denom : Real(0);
  xi = xi < Real(0) ? Real(0) : (xi > Real(1) ? Real(1) : xi);
  x = b.x0 + xi * b.width;
  return spline_evaluate(c, raw, x);
}

// f linearised at x: its value, and the vector–Jacobian product
//   grad(p) += a·∂f/∂θ_p + b·∂ log f'/∂θ_p
// for the raw parameters θ, sharing the bin search and softmaxes with the value.
struct SplineLocal {
  Real y = 0, slope = 1, dlog_slope = 0;  // f, f', ∂ log f'/∂x at x
  SplineConfig c;
  bool tails = true;  // outside [−B, B]: the identity, independent of θ
  Real x = 0;
  spline_detail::Bin b{};
  Real soft_w[SplineConfig::max_bins], soft_h[SplineConfig::max_bins];
  Real raw_d0 = 0, raw_d1 = 0;  // the raw interior derivatives at the bin's knots (when interior)

  template <class Grad>
  KOKKOS_INLINE_FUNCTION void vjp(Real a, Real bseed, const Grad& grad) const {
    if (tails) return;  // the tails do not depend on θ
    const int K = c.bins;
    const Real B = c.tail_bound;
    const Real s = b.height / b.width;
    const Real xi = (x - b.x0) / b.width;
    const Real q = xi * (1 - xi);
    const Real sum_d = b.d1 + b.d0 - 2 * s;
    const Real A = s * xi * xi + b.d0 * q;
    const Real den = s + sum_d * q;
    const Real n2 = b.d1 * xi * xi + 2 * s * q + b.d0 * (1 - xi) * (1 - xi);
    // Partials of f = y0 + h·A/den and of log f' = 2 log s + log n2 − 2 log den.
    const Real f_A = b.height / den, f_den = -b.height * A / (den * den);
    const Real xi_bar = a * (f_A * (2 * s * xi + b.d0 * (1 - 2 * xi)) + f_den * sum_d * (1 - 2 * xi)) +
                        bseed * ((2 * b.d1 * xi + 2 * s * (1 - 2 * xi) - 2 * b.d0 * (1 - xi)) / n2 -
                                 2 * sum_d * (1 - 2 * xi) / den);
    const Real s_bar = a * (f_A * xi * xi + f_den * (1 - 2 * q)) + bseed * (2 / s + 2 * q / n2 - 2 * (1 - 2 * q) / den);
    const Real d0_bar = a * (f_A * q + f_den * q) + bseed * ((1 - xi) * (1 - xi) / n2 - 2 * q / den);
    const Real d1_bar = a * f_den * q + bseed * (xi * xi / n2 - 2 * q / den);
    const Real height_bar = a * A / den + s_bar / b.width;
    const Real width_bar = -s_bar * b.height / (b.width * b.width) - xi_bar * xi / b.width;
    const Real x0_bar = -xi_bar / b.width;
    const Real y0_bar = a;
    // Knots: x0 = −B + 2B Σ_{i<k} w_i, width = 2B w_k (likewise y0, height with h).
    Real w_bar[SplineConfig::max_bins], h_bar[SplineConfig::max_bins];
    for (int i = 0; i < K; ++i) {
      w_bar[i] = i < b.k ? 2 * B * x0_bar : (i == b.k ? 2 * B * width_bar : Real(0));
      h_bar[i] = i < b.k ? 2 * B * y0_bar : (i == b.k ? 2 * B * height_bar : Real(0));
    }
    // Through the floored softmax: out = floor + (1 − K floor)·softmax.
    const Real scale_w = Real(1) - Real(K) * c.min_bin_width, scale_h = Real(1) - Real(K) * c.min_bin_height;
    Real dot_w = 0, dot_h = 0;
    for (int i = 0; i < K; ++i) {
      dot_w += soft_w[i] * w_bar[i];
      dot_h += soft_h[i] * h_bar[i];
    }
    for (int i = 0; i < K; ++i) {
      grad(i) += scale_w * soft_w[i] * (w_bar[i] - dot_w);
      grad(K + i) += scale_h * soft_h[i] * (h_bar[i] - dot_h);
    }
    // Interior derivatives: d = min_derivative + softplus(raw + offset).
    const Real offset = spline_detail::derivative_offset(c.min_derivative);
    if (b.k > 0) grad(2 * K + b.k - 1) += d0_bar * stable_sigmoid(raw_d0 + offset);
    if (b.k < K - 1) grad(2 * K + b.k) += d1_bar * stable_sigmoid(raw_d1 + offset);
  }
};

template <class Raw>
KOKKOS_INLINE_FUNCTION SplineLocal spline_linearize(const SplineConfig& c, const Raw& raw, Real x) {
  SplineLocal l;
  l.c = c;
  l.x = x;
  l.y = x;
  if (x <= -c.tail_bound || x >= c.tail_bound) return l;
  l.tails = false;
  Real widths[SplineConfig::max_bins], heights[SplineConfig::max_bins];
  l.b = spline_detail::find_bin(c, raw, x, false, widths, heights, l.soft_w, l.soft_h);
  const int K = c.bins;
  if (l.b.k > 0) l.raw_d0 = raw(2 * K + l.b.k - 1);
  if (l.b.k < K - 1) l.raw_d1 = raw(2 * K + l.b.k);
  const TransformValue v = spline_detail::bin_value(l.b, x);  // as spline_evaluate computes it
  l.y = v.y;
  l.slope = v.slope;
  l.dlog_slope = v.dlog_slope;
  return l;
}

}  // namespace tractable

namespace tractable {

// The spline as an elementwise transform (flows/elementwise_transform.hpp):
// P = 3K − 1 parameter blocks, widths first, then heights, then derivatives.
struct SplineTransform {
  SplineConfig config;

  explicit SplineTransform(const SplineConfig& c) : config(c) {
    require(c.bins >= 2 && c.bins <= SplineConfig::max_bins, "spline transform: bins out of range");
  }
  KOKKOS_INLINE_FUNCTION int parameters() const { return config.parameters(); }
  static constexpr bool prepares = false;  // the softmaxes and softplus act across a coordinate's parameters
  std::string name() const { return "spline"; }
  std::string describe() const {
    return "spline(bins=" + std::to_string(config.bins) + ", tail_bound=" + std::to_string(config.tail_bound) + ")";
  }

  template <class Theta>
  KOKKOS_INLINE_FUNCTION TransformApplied forward(const Theta& theta, Real x) const {
    const TransformValue v = spline_evaluate(config, theta, x);
    return {v.y, kmath::log(v.slope)};
  }
  template <class Theta>
  KOKKOS_INLINE_FUNCTION TransformApplied invert(const Theta& theta, Real y) const {
    Real x = 0;
    const TransformValue v = spline_invert(config, theta, y, x);
    return {x, kmath::log(v.slope)};
  }
  template <class Theta>
  KOKKOS_INLINE_FUNCTION SplineLocal linearize(const Theta& theta, Real x) const {
    return spline_linearize(config, theta, x);
  }
};

}  // namespace tractable
