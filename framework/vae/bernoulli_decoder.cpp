#include "vae/bernoulli_decoder.hpp"

#include "core/error.hpp"
#include "core/stable_math.hpp"

namespace tractable {

void BernoulliDecoder::log_likelihood(const Matrix& x, const Matrix& out, std::size_t k, const Matrix& terms) const {
  const std::size_t dim = x.extent(1);
  // Per pixel x·l − softplus(l) in a vectorisable loop (libmvec's exp and log1p), then the row sums
  // in the same order as before: one row per work item.
  ensure_shape(pixel_terms_, out.extent(0), dim, "tractable::BernoulliDecoder::pixel_terms");
  const Matrix pixel = pixel_terms_;  // [B·k, D]
  require(x.span_is_contiguous() && out.span_is_contiguous(), "BernoulliDecoder: non-contiguous matrix");
  Kokkos::parallel_for(
      "tractable::BernoulliDecoder::log_likelihood", RangePolicy(0, out.extent(0)), KOKKOS_LAMBDA(const std::size_t r) {
        const Real* __restrict xb = &x(r / k, 0);    // [D] the example's pixels
        const Real* __restrict logits = &out(r, 0);  // [D]
        Real* __restrict term = &pixel(r, 0);        // [D]
        for (std::size_t d = 0; d < dim; ++d) term[d] = xb[d] * logits[d] - stable_softplus(logits[d]);
        Real total = 0;
        for (std::size_t d = 0; d < dim; ++d) total += term[d];
        terms(r, 0) = total;
      });
}

void BernoulliDecoder::backward(const Matrix& x, const Matrix& out, std::size_t k, const Matrix& d_terms,
                                const Matrix& d_out) const {
  const std::size_t dim = x.extent(1);
  require(x.span_is_contiguous() && out.span_is_contiguous() && d_out.span_is_contiguous(),
          "BernoulliDecoder: non-contiguous matrix");
  // One row per work item, a vectorisable loop over its pixels.
  Kokkos::parallel_for(
      "tractable::BernoulliDecoder::backward", RangePolicy(0, out.extent(0)), KOKKOS_LAMBDA(const std::size_t r) {
        const Real g = d_terms(r, 0);
        const Real* __restrict xb = &x(r / k, 0);  // [D]
        const Real* __restrict o = &out(r, 0);     // [D] logits
        Real* __restrict dout = &d_out(r, 0);      // [D]
        for (std::size_t d = 0; d < dim; ++d) dout[d] = g * (xb[d] - stable_sigmoid(o[d]));
      });
}

void BernoulliDecoder::mean(const Matrix& out, Matrix& result) const {
  ensure_shape(result, out.extent(0), out.extent(1), "tractable::BernoulliDecoder::mean");
  const Matrix m = result;
  const std::size_t dim = out.extent(1);
  Kokkos::parallel_for(
      "tractable::BernoulliDecoder::mean", RangePolicy(0, out.extent(0) * dim), KOKKOS_LAMBDA(const std::size_t i) {
        m(i / dim, i % dim) = stable_sigmoid(out(i / dim, i % dim));
      });
}

DecoderFactory bernoulli_decoder() {
  return [](ParameterStore&, const std::string&, std::size_t) { return std::make_unique<BernoulliDecoder>(); };
}

}  // namespace tractable
