#pragma once
// The VAE objectives, both lower bounds on log p(x) from k reparameterised
// samples z_j ~ q(z|x) with log weights log w_j = log p(x|z_j) + log p(z_j) − log q(z_j|x):
//   elbo: (1/k) Σ_j [log p(x|z_j) + β (log p(z_j) − log q(z_j|x))], or with the
//         analytic KL: (1/k) Σ_j log p(x|z_j) − β KL(q(z|x) ‖ N(0, I));
//         β ramps linearly from 0 over kl_warmup_steps (KL annealing).
//   iwae: L_k = log (1/k) Σ_j w_j (Burda et al. 2016), by a shifted
//         log-sum-exp; its gradient weights each sample's ∇ log w_j by the
//         normalised weight w̃_j = w_j / Σ w.
// The per-example loss is minus the bound. Noise for example g (global row)
// at step s is block (s · global_batch + g) of k·E draws of the noise stream
// (E = the model's noise width).
#include "core/random.hpp"
#include "vae/latent_variable_model.hpp"
#include "objectives/objective.hpp"

namespace tractable {

struct BoundOptions {
  enum class Kind { elbo, iwae } kind = Kind::elbo;
  std::size_t samples = 1;   // k
  double beta = 1.0;          // elbo: KL weight
  bool analytic_kl = true;    // elbo: closed-form KL
  std::int64_t kl_warmup_steps = 0;
};

class ImportanceWeightedBound : public Objective {
 public:
  ImportanceWeightedBound(LatentVariableModel& vae, const BoundOptions& options, const RandomStream& noise,
                          std::size_t global_batch);
  double sum_and_backward(const Matrix& batch /*[B_local, D]*/, Real scale) override;
  double sum(const Matrix& batch /*[B_local, D]*/) override;
  std::string name() const override { return options_.kind == BoundOptions::Kind::iwae ? "iwae" : "elbo"; }
  void set_position(std::int64_t step, std::size_t first_global_row) override;
  // The KL weight in force at the current step (β after warm-up).
  double current_beta() const;

 public:
  // Kernel launchers, public only because nvcc refuses a device lambda inside a private or protected
  // member function (tests/lint/kokkos_lint.py); not part of the interface.
  double evaluate(const Matrix& batch, Real scale, bool backward);
 private:
  LatentVariableModel& vae_;
  BoundOptions options_;
  RandomStream noise_;
  std::size_t global_batch_;
  std::int64_t step_ = 0;
  std::size_t first_row_ = 0;
  Matrix eps_;      // [B·k, E]
  Matrix d_terms_;  // [B·k, 3]
  Vector losses_;   // [B]
};

}  // namespace tractable
