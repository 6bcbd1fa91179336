#include "vae/bernoulli_decoder.hpp"
#include "core/batch_parallel.hpp"

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
  // x [B, D] (example r / k of row r), logits out [B·k, D] -> pixel terms [B·k, D] -> terms(·, 0) [B·k]
  for_each_element("tractable::BernoulliDecoder::pixel_terms", out.extent(0), dim,
                   KOKKOS_LAMBDA(std::size_t r, std::size_t d) {
                     pixel(r, d) = x(r / k, d) * out(r, d) - stable_softplus(out(r, d));
                   });
  const auto total = Kokkos::subview(terms, Kokkos::ALL, 0);
  for_each_row_sum("tractable::BernoulliDecoder::log_likelihood", out.extent(0), dim, total, false,
                   KOKKOS_LAMBDA(std::size_t r, std::size_t d) { return pixel(r, d); });
}

void BernoulliDecoder::backward(const Matrix& x, const Matrix& out, std::size_t k, const Matrix& d_terms,
                                const Matrix& d_out) const {
  const std::size_t dim = x.extent(1);
  require(x.span_is_contiguous() && out.span_is_contiguous() && d_out.span_is_contiguous(),
          "BernoulliDecoder: non-contiguous matrix");
  for_each_element("tractable::BernoulliDecoder::backward", out.extent(0), dim,
                   KOKKOS_LAMBDA(std::size_t r, std::size_t d) {
                     d_out(r, d) = d_terms(r, 0) * (x(r / k, d) - stable_sigmoid(out(r, d)));
                   });
}

void BernoulliDecoder::mean(const Matrix& out, Matrix& result) const {
  ensure_shape(result, out.extent(0), out.extent(1), "tractable::BernoulliDecoder::mean");
  const Matrix m = result;
  for_each_element("tractable::BernoulliDecoder::mean", out.extent(0), out.extent(1),
                   KOKKOS_LAMBDA(std::size_t r, std::size_t d) { m(r, d) = stable_sigmoid(out(r, d)); });
}

DecoderFactory bernoulli_decoder() {
  return [](ParameterStore&, const std::string&, std::size_t) { return std::make_unique<BernoulliDecoder>(); };
}

}  // namespace tractable
