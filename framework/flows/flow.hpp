#pragma once
// A normalising flow: a chain of bijectors f = f_K ∘ … ∘ f_1 from data x to a
// standard normal base z, so
//   log p(x) = log N(f(x)) + Σ_k log|det ∂f_k|,
// and sampling runs the chain backwards: x = f^{-1}(z), z ~ p_Z (by default N(0, I)).
#include "distributions/bases/base_distribution.hpp"
#include "flows/bijector.hpp"

#include <memory>
#include <vector>

namespace tractable {

class Flow {
 public:
  // `base` defaults to the standard normal.
  Flow(std::size_t dim, std::vector<std::unique_ptr<Bijector>> chain, std::unique_ptr<BaseDistribution> base = nullptr);

  // Density direction. Returns log p(x) [B]; valid until the next log_prob.
  const Vector& log_prob(const Matrix& x /*[B, D]*/);
  // Given dL/dlog p(x) [B] for the last log_prob: accumulates parameter
  // gradients and returns dL/dx [B, D].
  const Matrix& log_prob_backward(const Vector& dlogp /*[B]*/);

  // Sampling direction: x = f^{-1}(z) [B, D], and log q(x) in `log_q` [B].
  const Matrix& sample_from_base(const Matrix& z /*[B, D]*/, Vector& log_q /*[B]*/);
  // Given dL/dx [B, D] and dL/dlog q [B] for the last sample_from_base:
  // accumulates parameter gradients and returns dL/dz [B, D].
  const Matrix& sample_backward(const Matrix& dx /*[B, D]*/, const Vector& dlog_q /*[B]*/);

  // Data-dependent initialisation of every bijector that has one (ActNorm),
  // in chain order, from this rank's shard of the first global batch.
  void initialize_from_data(const Matrix& x /*[B_local, D]*/, const BatchReducer& ranks);
  // Training mode uses batch statistics (BatchNorm); evaluation mode running averages.
  void set_training(bool training) {
    for (auto& b : chain_) b->set_training(training);
  }

  std::size_t dim() const { return dim_; }
  const std::vector<std::unique_ptr<Bijector>>& chain() const { return chain_; }
  BaseDistribution& base() { return *base_; }

 private:
  std::size_t dim_;
  std::vector<std::unique_ptr<Bijector>> chain_;
  std::unique_ptr<BaseDistribution> base_;
  Vector logdet_, log_prob_, dlogdet_;
  Matrix base_point_, base_gradient_;
};

}  // namespace tractable
