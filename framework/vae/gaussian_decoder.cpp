#include "vae/gaussian_decoder.hpp"

#include "core/column_sums.hpp"
#include "core/error.hpp"

#include <cmath>

namespace tractable {

GaussianDecoder::GaussianDecoder(ParameterStore& store, const std::string& name, std::size_t dim, bool learned,
                                 double fixed_variance)
    : store_(store), learned_(learned) {
  if (learned_) {
    log_variance_ = store.reserve(name + ".log_variance", {dim}, Initializer::zeros());
  } else {
    fixed_log_variance_ = Vector("tractable::GaussianDecoder::fixed_log_variance", dim);
    Kokkos::deep_copy(fixed_log_variance_, Real(std::log(fixed_variance)));
  }
}

void GaussianDecoder::log_likelihood(const Matrix& x, const Matrix& out, std::size_t k, const Matrix& terms) const {
  const std::size_t dim = x.extent(1);
  const Vector log_var = log_variance();  // [D]
  const Real log_2pi = Real(1.8378770664093453);
  Kokkos::parallel_for(
      "tractable::GaussianDecoder::log_likelihood", RangePolicy(0, out.extent(0)), KOKKOS_LAMBDA(const std::size_t r) {
        const std::size_t b = r / k;
        Real total = 0;
        for (std::size_t d = 0; d < dim; ++d) {
          const Real diff = x(b, d) - out(r, d);
          total -= Real(0.5) * (diff * diff * kmath::exp(-log_var(d)) + log_var(d) + log_2pi);
        }
        terms(r, 0) = total;
      });
}

void GaussianDecoder::backward(const Matrix& x, const Matrix& out, std::size_t k, const Matrix& d_terms,
                               const Matrix& d_out) const {
  const std::size_t dim = x.extent(1);
  const Vector log_var = log_variance();
  require(x.span_is_contiguous() && out.span_is_contiguous() && d_out.span_is_contiguous(),
          "GaussianDecoder: non-contiguous matrix");
  Kokkos::parallel_for(
      "tractable::GaussianDecoder::backward", RangePolicy(0, out.extent(0)), KOKKOS_LAMBDA(const std::size_t r) {
        const Real g = d_terms(r, 0);
        const Real* __restrict xb = &x(r / k, 0);  // [D]
        const Real* __restrict o = &out(r, 0);     // [D] means
        Real* __restrict dout = &d_out(r, 0);      // [D]
        for (std::size_t d = 0; d < dim; ++d) dout[d] = g * (xb[d] - o[d]) * kmath::exp(-log_var(d));
      });
}

void GaussianDecoder::parameter_backward(const Matrix& x, const Matrix& out, std::size_t k, const Matrix& d_terms,
                                         const Matrix& scratch) const {
  if (!learned_) return;
  const std::size_t dim = x.extent(1);
  const Vector log_var = log_variance();
  Kokkos::parallel_for(
      "tractable::GaussianDecoder::variance_backward", RangePolicy(0, out.extent(0) * dim),
      KOKKOS_LAMBDA(const std::size_t i) {
        // ∂/∂ log v_d of g_r log p = g_r · ½((x − m)² / v − 1); summed over rows below
        const std::size_t r = i / dim, d = i % dim, b = r / k;
        const Real diff = x(b, d) - out(r, d);
        scratch(r, d) = d_terms(r, 0) * Real(0.5) * (diff * diff * kmath::exp(-log_var(d)) - Real(1));
      });
  accumulate_column_sums(scratch, store_.gradient_vector(log_variance_));
}

void GaussianDecoder::mean(const Matrix& out, Matrix& result) const {
  ensure_shape(result, out.extent(0), out.extent(1), "tractable::GaussianDecoder::mean");
  Kokkos::deep_copy(result, out);
}

DecoderFactory gaussian_decoder(bool learned, double fixed_variance) {
  return [=](ParameterStore& store, const std::string& name, std::size_t dim) {
    return std::make_unique<GaussianDecoder>(store, name, dim, learned, fixed_variance);
  };
}

}  // namespace tractable
