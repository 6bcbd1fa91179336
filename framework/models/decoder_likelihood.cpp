#include "models/decoder_likelihood.hpp"

#include "core/column_sums.hpp"
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
  Kokkos::parallel_for(
      "tractable::DecoderLikelihood::log_likelihood", RangePolicy(0, out.extent(0)), KOKKOS_LAMBDA(const std::size_t r) {
        const std::size_t b = r / k;
        Real total = 0;
        if (bernoulli) {
          for (std::size_t d = 0; d < dim; ++d) total += x(b, d) * out(r, d) - stable_softplus(out(r, d));
        } else {
          for (std::size_t d = 0; d < dim; ++d) {
            const Real diff = x(b, d) - out(r, d);
            total -= Real(0.5) * (diff * diff * kmath::exp(-log_var(d)) + log_var(d) + log_2pi);
          }
        }
        terms(r, 0) = total;
      });
}

void DecoderLikelihood::backward(const Matrix& x, const Matrix& out, std::size_t k, const Matrix& d_terms,
                                 const Matrix& d_out) const {
  const std::size_t dim = x.extent(1);
  const bool bernoulli = kind_ == Kind::bernoulli;
  const Vector log_var = bernoulli ? Vector() : log_variance();
  Kokkos::parallel_for(
      "tractable::DecoderLikelihood::backward", RangePolicy(0, out.extent(0) * dim), KOKKOS_LAMBDA(const std::size_t i) {
        const std::size_t r = i / dim, d = i % dim, b = r / k;
        const Real g = d_terms(r, 0);
        d_out(r, d) = bernoulli ? g * (x(b, d) - stable_sigmoid(out(r, d)))
                                : g * (x(b, d) - out(r, d)) * kmath::exp(-log_var(d));
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
