#include "vae/decoder_likelihood.hpp"

#include "core/column_sums.hpp"
#include "core/error.hpp"
#include "core/stable_math.hpp"

#include <cmath>

namespace tractable {

DecoderLikelihood::DecoderLikelihood(ParameterStore& store, const std::string& name, Kind kind, std::size_t dim,
                                     bool learned, double fixed_variance)
    : store_(store), kind_(kind), learned_(kind == Kind::gaussian && learned) {
  if (learned_) {
    log_variance_ = store.reserve(name + ".log_variance", {dim}, Initializer::zeros());
  } else if (kind == Kind::gaussian) {
    fixed_log_variance_ = Vector("tractable::DecoderLikelihood::fixed_log_variance", dim);
    Kokkos::deep_copy(fixed_log_variance_, Real(std::log(fixed_variance)));
  }
}

std::string DecoderLikelihood::describe() const {
  return kind_ == Kind::bernoulli ? "Bernoulli" : std::string("Gaussian, ") + (learned_ ? "learned" : "fixed") + " variance";
}

void DecoderLikelihood::log_likelihood(const Matrix& x, const Matrix& out, std::size_t k, const Matrix& terms) const {
  const std::size_t dim = x.extent(1);
  const bool bernoulli = kind_ == Kind::bernoulli;
  const Vector log_var = bernoulli ? Vector() : log_variance();  // [D]
  const Real log_2pi = Real(1.8378770664093453);
  if (bernoulli) {
    // Per pixel x·l − softplus(l) in a vectorisable loop (libmvec's exp and log1p), then the row sums
    // in the same order as before: one row per work item.
    ensure_shape(pixel_terms_, out.extent(0), dim, "tractable::DecoderLikelihood::pixel_terms");
    const Matrix pixel = pixel_terms_;  // [B·k, D]
    require(x.span_is_contiguous() && out.span_is_contiguous(), "DecoderLikelihood: non-contiguous matrix");
    Kokkos::parallel_for(
        "tractable::DecoderLikelihood::bernoulli_log_likelihood", RangePolicy(0, out.extent(0)),
        KOKKOS_LAMBDA(const std::size_t r) {
          const Real* __restrict xb = &x(r / k, 0);   // [D] the example's pixels
          const Real* __restrict logits = &out(r, 0); // [D]
          Real* __restrict term = &pixel(r, 0);       // [D]
          for (std::size_t d = 0; d < dim; ++d) term[d] = xb[d] * logits[d] - stable_softplus(logits[d]);
          Real total = 0;
          for (std::size_t d = 0; d < dim; ++d) total += term[d];
          terms(r, 0) = total;
        });
    return;
  }
  Kokkos::parallel_for(
      "tractable::DecoderLikelihood::gaussian_log_likelihood", RangePolicy(0, out.extent(0)), KOKKOS_LAMBDA(const std::size_t r) {
        const std::size_t b = r / k;
        Real total = 0;
        for (std::size_t d = 0; d < dim; ++d) {
          const Real diff = x(b, d) - out(r, d);
          total -= Real(0.5) * (diff * diff * kmath::exp(-log_var(d)) + log_var(d) + log_2pi);
        }
        terms(r, 0) = total;
      });
}

void DecoderLikelihood::backward(const Matrix& x, const Matrix& out, std::size_t k, const Matrix& d_terms,
                                 const Matrix& d_out) const {
  const std::size_t dim = x.extent(1);
  const bool bernoulli = kind_ == Kind::bernoulli;
  const Vector log_var = bernoulli ? Vector() : log_variance();
  require(x.span_is_contiguous() && out.span_is_contiguous() && d_out.span_is_contiguous(),
          "DecoderLikelihood: non-contiguous matrix");
  // One row per work item, a vectorisable loop over its pixels.
  Kokkos::parallel_for(
      "tractable::DecoderLikelihood::backward", RangePolicy(0, out.extent(0)), KOKKOS_LAMBDA(const std::size_t r) {
        const Real g = d_terms(r, 0);
        const Real* __restrict xb = &x(r / k, 0);  // [D]
        const Real* __restrict o = &out(r, 0);     // [D] logits or means
        Real* __restrict dout = &d_out(r, 0);      // [D]
        if (bernoulli) {
          for (std::size_t d = 0; d < dim; ++d) dout[d] = g * (xb[d] - stable_sigmoid(o[d]));
        } else {
          for (std::size_t d = 0; d < dim; ++d) dout[d] = g * (xb[d] - o[d]) * kmath::exp(-log_var(d));
        }
      });
}

void DecoderLikelihood::variance_backward(const Matrix& x, const Matrix& out, std::size_t k, const Matrix& d_terms,
                                          const Matrix& scratch) const {
  if (!learned_) return;
  const std::size_t dim = x.extent(1);
  const Vector log_var = log_variance();
  Kokkos::parallel_for(
      "tractable::DecoderLikelihood::variance_backward", RangePolicy(0, out.extent(0) * dim), KOKKOS_LAMBDA(const std::size_t i) {
        // ∂/∂ log v_d of g_r log p = g_r · ½((x − m)² / v − 1); summed over rows below
        const std::size_t r = i / dim, d = i % dim, b = r / k;
        const Real diff = x(b, d) - out(r, d);
        scratch(r, d) = d_terms(r, 0) * Real(0.5) * (diff * diff * kmath::exp(-log_var(d)) - Real(1));
      });
  accumulate_column_sums(scratch, store_.gradient_vector(log_variance_));
}

void DecoderLikelihood::mean(const Matrix& out, Matrix& result) const {
  ensure_shape(result, out.extent(0), out.extent(1), "tractable::DecoderLikelihood::mean");
  const Matrix m = result;
  const bool bernoulli = kind_ == Kind::bernoulli;
  const std::size_t dim = out.extent(1);
  Kokkos::parallel_for(
      "tractable::DecoderLikelihood::mean", RangePolicy(0, out.extent(0) * dim), KOKKOS_LAMBDA(const std::size_t i) {
        const Real v = out(i / dim, i % dim);
        m(i / dim, i % dim) = bernoulli ? stable_sigmoid(v) : v;
      });
}

}  // namespace tractable
