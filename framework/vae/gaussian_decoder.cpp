#include "vae/gaussian_decoder.hpp"
#include "core/batch_parallel.hpp"

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
  const auto total = Kokkos::subview(terms, Kokkos::ALL, 0);  // [B·k]
  for_each_row_sum("tractable::GaussianDecoder::log_likelihood", out.extent(0), dim, total, false,
                   KOKKOS_LAMBDA(std::size_t r, std::size_t d) {
                     const Real diff = x(r / k, d) - out(r, d);
                     return -Real(0.5) * (diff * diff * kmath::exp(-log_var(d)) + log_var(d) + log_2pi);
                   });
}

void GaussianDecoder::backward(const Matrix& x, const Matrix& out, std::size_t k, const Matrix& d_terms,
                               const Matrix& d_out) const {
  const std::size_t dim = x.extent(1);
  const Vector log_var = log_variance();
  require(x.span_is_contiguous() && out.span_is_contiguous() && d_out.span_is_contiguous(),
          "GaussianDecoder: non-contiguous matrix");
  for_each_element("tractable::GaussianDecoder::backward", out.extent(0), dim,
                   KOKKOS_LAMBDA(std::size_t r, std::size_t d) {
                     d_out(r, d) = d_terms(r, 0) * (x(r / k, d) - out(r, d)) * kmath::exp(-log_var(d));
                   });
}

void GaussianDecoder::parameter_backward(const Matrix& x, const Matrix& out, std::size_t k, const Matrix& d_terms,
                                         const Matrix& scratch) const {
  if (!learned_) return;
  const std::size_t dim = x.extent(1);
  const Vector log_var = log_variance();
  // ∂/∂ log v_d of g_r log p = g_r · ½((x − m)² / v − 1); summed over rows below
  for_each_element("tractable::GaussianDecoder::variance_backward", out.extent(0), dim,
                   KOKKOS_LAMBDA(std::size_t r, std::size_t d) {
                     const Real diff = x(r / k, d) - out(r, d);
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
