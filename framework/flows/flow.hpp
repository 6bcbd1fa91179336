#pragma once
// A normalising flow: a chain of bijectors f = f_K ∘ … ∘ f_1 from data x to a
// standard normal base z, so
//   log p(x) = log N(f(x)) + Σ_k log|det ∂f_k|,
// and sampling runs the chain backwards: x = f^{-1}(z), z ~ p_Z (by default N(0, I)).
//
// A conditional flow p(x | c) has a ContextEncoder: its rows are [c | x]
// (C context columns first, as data files store them), every conditional
// layer reads the embedded context h(c), and the density's gradient reaches
// c as well as x, so log p(x | c) is a differentiable function of the whole row.
#include "distributions/bases/base_distribution.hpp"
#include "flows/bijector.hpp"
#include "flows/context_encoder.hpp"

#include <memory>
#include <vector>

namespace tractable {

class Flow {
 public:
  // `base` defaults to the standard normal; `context` (null: unconditional) makes it p(x | c).
  Flow(std::size_t dim, std::vector<std::unique_ptr<Bijector>> chain, std::unique_ptr<BaseDistribution> base = nullptr,
       std::unique_ptr<ContextEncoder> context = nullptr);

  // Density direction. Returns log p(x) (log p(x | c)) [B]; valid until the next log_prob.
  const Vector& log_prob(const Matrix& rows /*[B, C + D]: [c | x], C = context_dim()*/);
  // Given dL/dlog p [B] for the last log_prob: accumulates parameter
  // gradients and returns dL/d rows [B, C + D] (dL/dc, then dL/dx).
  const Matrix& log_prob_backward(const Vector& dlogp /*[B]*/);

  // Sampling direction: x = f^{-1}(z; c) [B, D], and log q(x | c) in `log_q` [B].
  const Matrix& sample_from_base(const Matrix& z /*[B, D]*/, Vector& log_q /*[B]*/,
                                 const Matrix& context = Matrix() /*[B, C]; empty when unconditional*/);
  // Given dL/dx [B, D] and dL/dlog q [B] for the last sample_from_base:
  // accumulates parameter gradients and returns dL/dz [B, D]; dL/dc is context_gradient().
  const Matrix& sample_backward(const Matrix& dx /*[B, D]*/, const Vector& dlog_q /*[B]*/);
  const Matrix& context_gradient() const { return context_gradient_; }  // [B, C] after sample_backward

  // Data-dependent initialisation of every bijector that has one (ActNorm),
  // in chain order, from this rank's shard of the first global batch (and of the context's standardisation).
  void initialize_from_data(const Matrix& rows /*[B_local, C + D]*/, const BatchReducer& ranks);
  // Training mode uses batch statistics (BatchNorm); evaluation mode running averages.
  void set_training(bool training) {
    for (auto& b : chain_) b->set_training(training);
  }

  std::size_t dim() const { return dim_; }  // D, the modelled coordinates
  std::size_t context_dim() const { return context_ ? context_->context_dim() : 0; }  // C (0: unconditional)
  const ContextEncoder* context() const { return context_.get(); }
  const std::vector<std::unique_ptr<Bijector>>& chain() const { return chain_; }
  BaseDistribution& base() { return *base_; }

 private:
  std::size_t dim_;
  std::vector<std::unique_ptr<Bijector>> chain_;
  // Splits [c | x] into context_rows_ and x_rows_ (when conditional); returns x.
  const Matrix& split_rows(const Matrix& rows /*[B, C + D]*/);
  // split_rows, then hands every conditional layer h(c); returns x.
  const Matrix& read_rows(const Matrix& rows /*[B, C + D]*/);
  void set_context(const Matrix& c /*[B, C]*/);
  // dL/dc [B, C] from what the layers accumulated into dh since the pass.
  const Matrix& context_backward();

  std::unique_ptr<BaseDistribution> base_;
  std::unique_ptr<ContextEncoder> context_;
  Vector logdet_, log_prob_, dlogdet_;
  Matrix base_point_, base_gradient_;
  Matrix context_rows_, x_rows_;         // [B, C], [B, D]: the two blocks of the last rows
  Matrix embedded_gradient_;             // [B, E] dL/dh, accumulated by the conditional layers
  Matrix context_gradient_;              // [B, C]
  Matrix row_gradient_;                  // [B, C + D]
};

}  // namespace tractable
