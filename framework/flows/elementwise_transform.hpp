#pragma once
#include "core/batch_parallel.hpp"
// Elementwise monotone transforms: the one thing that differs between a RealNVP
// coupling and a spline coupling, or between MAF and NSF-AR. A coupling layer
// (flows/coupling.hpp) and an autoregressive layer (flows/autoregressive.hpp)
// are each written once over any transform T that provides, on one coordinate
// with raw parameters θ (indexable θ(p), p < T::parameters()):
//
//   TransformApplied forward(θ, x)   y = f(x) and log f'(x)
//   TransformApplied invert(θ, y)    x = f^{-1}(y) and log f'(x)
//   Local linearize(θ, x)            f linearised at x: fields y, slope = f'(x),
//                                    dlog_slope = ∂ log f'/∂x, and
//                                    vjp(a, b, g): g(p) += a·∂f/∂θ_p + b·∂ log f'/∂θ_p,
//                                    sharing its intermediates with the value
//
// and its name and parameter count. A transform whose parameters pass through
// an elementwise map first (the affine log-scale's bound c·tanh(s_raw/c)) says
// so with `prepares = true` and provides prepare(p, raw) and
// prepare_backward(p, prepared, grad); the layer then maps the conditioner's
// output once per call (prepare_parameters below) and the four functions see
// prepared parameters, so the backward does not recompute the map.
//
// Everything a layer's backward needs is
// derived here, once, from these (see Oriented::vjp): the transforms do not
// know which direction a layer applies them in.
//
// Raw parameters of coordinate j of row i live in a conditioner output laid
// out as [B, P·D]: parameter p at column p·D + j (P blocks of D columns: what a
// MADE's output blocks and a CNN's output channels give).
#include "core/types.hpp"

#include <type_traits>

namespace tractable {

struct TransformValue {
  Real y = 0;           // f(x)
  Real slope = 1;       // f'(x) > 0
  Real dlog_slope = 0;  // ∂ log f'/∂x
};
struct TransformApplied {
  Real out = 0;        // f(x) (forward) or f^{-1}(y) (invert)
  Real log_slope = 0;  // log f' at the point x
};

// θ of coordinate `column` in row `row`: parameter p at raw(row, p·stride + column).
// Unmanaged views: these are built per element inside kernels, where copying a managed view counts its
// references atomically on the host (on two OpenMP threads the MAF density pass spent 46 % of its
// time there, both threads bouncing one counter).
using ParameterRows = Kokkos::View<Real**, Kokkos::LayoutRight, MemSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>>;
struct TransformParameters {
  ParameterRows raw;  // [B, P·D]
  std::size_t row, column, stride;
  KOKKOS_INLINE_FUNCTION Real operator()(int p) const { return raw(row, std::size_t(p) * stride + column); }
};
// The matching gradient slots, accumulated with +=.
struct TransformParameterGradient {
  ParameterRows grad;  // [B, P·D]
  std::size_t row, column, stride;
  KOKKOS_INLINE_FUNCTION Real& operator()(int p) const { return grad(row, std::size_t(p) * stride + column); }
};

// h = f or h = f^{-1}: which way a layer applies its transform in one of its
// directions. A coupling applies f in its forward (density) direction, MAF
// applies f^{-1} there (its paper defines the affine map x = u·e^α + μ in the
// sampling direction), NSF-AR applies f.
// The orientation is a template parameter so each kernel is compiled for one
// direction: with a run-time flag the compiler evaluates both branches' exp.
template <class Transform, bool Inverted>
struct Oriented {
  static constexpr bool inverted = Inverted;  // true: h = f^{-1}
  Transform f;

  // b = h(a); returns log h'(a).
  template <class Theta>
  KOKKOS_INLINE_FUNCTION Real apply(const Theta& theta, Real a, Real& b) const {
    if constexpr (Inverted) {
      const TransformApplied r = f.invert(theta, a);
      b = r.out;
      return -r.log_slope;
    } else {
      const TransformApplied r = f.forward(theta, a);
      b = r.out;
      return r.log_slope;
    }
  }

  // h'(a), from the input a and the output b = h(a).
  template <class Theta>
  KOKKOS_INLINE_FUNCTION Real slope(const Theta& theta, Real a, Real b) const {
    if constexpr (Inverted) return Real(1) / f.linearize(theta, b).slope;
    else return f.linearize(theta, a).slope;
  }

  // The backward of b = h(a) and of log h'(a) for seeds α on b and β on
  // log h'(a): returns ∂(α·b + β·log h')/∂a and accumulates the same with
  // respect to θ into `grad`. For h = f^{-1}, with x = b the point where f is
  // evaluated, implicit differentiation of f(x) = a gives
  //   ∂/∂a = (α − β ∂log f'/∂x) / f'(x)  =: t,   ∂/∂θ = −t ∂f/∂θ − β ∂log f'/∂θ.
  template <class Theta, class Grad>
  KOKKOS_INLINE_FUNCTION Real vjp(const Theta& theta, Real a, Real b, Real alpha, Real beta, const Grad& grad) const {
    if constexpr (!Inverted) {
      const auto local = f.linearize(theta, a);
      local.vjp(alpha, beta, grad);
      return alpha * local.slope + beta * local.dlog_slope;
    } else {
      const auto local = f.linearize(theta, b);
      const Real through = (alpha - beta * local.dlog_slope) / local.slope;
      local.vjp(-through, -beta, grad);
      return through;
    }
  }
};

// The conditioner's output [B, P·D] as the transform's parameters: `raw` itself
// when the transform prepares nothing, else `prepared` (reshaped as needed).
template <class Transform>
Matrix prepare_parameters(const Transform& f, const Matrix& raw /*[B, P·D]*/, Matrix& prepared /*[B, P·D]*/,
                          std::size_t dim) {
  if constexpr (!Transform::prepares) {
    return raw;
  } else {
    const std::size_t rows = raw.extent(0), blocks = raw.extent(1) / dim;
    ensure_shape(prepared, rows, raw.extent(1), "tractable::prepared_parameters");
    const Matrix out = prepared;
    // Elementwise over [B, P·D]: block p holds parameter p of every feature.
    for_each_block_element("tractable::prepare_parameters", rows, blocks, dim,
                           KOKKOS_LAMBDA(std::size_t i, std::size_t p, std::size_t j) {
                             out(i, p * dim + j) = f.prepare(int(p), raw(i, p * dim + j));
                           });
    return prepared;
  }
}

// Gradients with respect to prepared parameters -> with respect to the raw ones, in place.
template <class Transform>
void prepare_parameters_backward(const Transform& f, const Matrix& prepared /*[B, P·D]*/, const Matrix& grad /*[B, P·D]*/,
                                 std::size_t dim) {
  if constexpr (Transform::prepares) {
    const std::size_t rows = grad.extent(0), blocks = grad.extent(1) / dim;
    for_each_block_element("tractable::prepare_parameters_backward", rows, blocks, dim,
                           KOKKOS_LAMBDA(std::size_t i, std::size_t p, std::size_t j) {
                             const std::size_t c = p * dim + j;
                             grad(i, c) = f.prepare_backward(int(p), prepared(i, c), grad(i, c));
                           });
  }
}

}  // namespace tractable
