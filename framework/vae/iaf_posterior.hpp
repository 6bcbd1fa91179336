#pragma once
// An inverse autoregressive flow on the VAE's posterior (Kingma et al. 2016):
// z0 ~ N(μ(x), σ²(x)) is pushed through T steps, each a MADE over [z, h]
// (h: a context vector from the encoder, degree 0 in the MADE, so each step
// stays autoregressive in z) giving (m, s), and the numerically stable update
//   σ_t = sigmoid(s + 1),  z_t = σ_t ⊙ z_{t−1} + (1 − σ_t) ⊙ m,  log|det| = Σ log σ_t.
// The +1 starts each step close to the identity (the "forget-gate bias").
// The MADE order alternates natural/reversed between steps. Only the cheap
// parallel direction is needed: log q(z_T|x) = log q0(z0|x) − Σ_t log|det_t|.
#include "core/parameter_store.hpp"
#include "nn/mlp.hpp"

#include <memory>
#include <vector>

namespace tractable {

struct IafPosteriorShape {
  std::size_t latent = 0, context = 0, hidden = 0, depth = 1, steps = 0;
  Activation activation = Activation::elu;
};

class IafPosterior {
 public:
  IafPosterior(ParameterStore& store, const std::string& name, const IafPosteriorShape& shape);

  // z0 [R, L], context [B, C] for rows r = b·k + j -> z_T [R, L]; logdet [R] += Σ_t log|det_t|.
  const Matrix& forward(const Matrix& z0, const Matrix& context, std::size_t k, const Vector& logdet);
  // dL/dz_T [R, L] and dL/dlogdet [R] -> dL/dz0 [R, L]; dcontext [B, C] += dL/dh; parameter gradients
  // accumulate unless frozen.
  const Matrix& backward(const Matrix& dz, const Vector& dlogdet, const Matrix& dcontext, bool freeze = false);

  std::size_t steps() const { return made_.size(); }
  std::string describe() const;

 private:
  IafPosteriorShape shape_;
  std::vector<std::unique_ptr<Mlp>> made_;
  std::vector<Matrix> input_;   // per step [R, L + C] = [z_{t−1}, h_b]
  std::vector<Matrix> output_;  // per step [R, L] = z_t
  std::vector<Matrix> raw_;     // per step [R, 2L] = (m, s) (a copy of the MADE output)
  Matrix dz_, d_raw_;           // [R, L], [R, 2L]
  std::size_t k_ = 1;
};

}  // namespace tractable
