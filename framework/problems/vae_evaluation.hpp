#pragma once
// Evaluation of a trained VAE on held-out rows, sharded over ranks by example:
//  * log p(x) by importance sampling with the encoder's q as proposal and K
//    samples per example (K = 5000 in the IWAE paper), in passes of at most
//    `batch` decoder rows so memory stays bounded however large K is;
//  * the bounds L_k for each k ≤ K in `bound_ks`, each averaged over the ⌊K/k⌋
//    disjoint groups of the same K samples (an unbiased estimate of L_k with
//    lower variance than a single group);
//  * the ELBO (= L_1), bits/dim, and active units: A_u = Cov_x(E_q[z_u]) > 0.01.
// Example g's noise is block g·K·E of `stream`: the same for any rank count.
#include "core/random.hpp"
#include "vae/latent_variable_model.hpp"
#include "parallel/communicator.hpp"

#include <map>
#include <vector>

namespace tractable {

struct VaeEvaluation {
  std::size_t importance_samples = 0;  // K
  double nll = 0;                       // −mean log p̂(x), nats
  double bits_per_dim = 0;
  double elbo = 0;                      // mean L_1
  std::map<std::size_t, double> bounds;  // k -> mean L_k
  std::size_t active_units = 0;
  std::vector<double> posterior_mean_variance;  // [L] Cov_x(E_q[z_u]) per unit
  std::vector<double> local_log_likelihood;     // log p̂(x) of this rank's shard of rows, in order
  std::vector<double> local_elbo;               // the ELBO of each of those rows: the mean of its K log weights
};

VaeEvaluation evaluate_vae(LatentVariableModel& vae, const HostMatrix& rows /*[N, D]*/, std::size_t importance_samples,
                           const std::vector<std::size_t>& bound_ks, const RandomStream& stream, std::size_t batch,
                           const Communicator& comm);

// The amortisation gap (Cremer et al. 2018): for each of the first n rows,
// start from the encoder's q(z|x) and optimise its parameters (μ, log σ² and
// the flow context, if any) alone with Adam on the ELBO (decoder and flow
// frozen, `samples` reparameterised draws per step), then report both ELBOs,
// each estimated on the same `eval_samples` draws per example.
struct AmortizationGap {
  std::size_t points = 0;
  double encoder_elbo = 0, optimized_elbo = 0;  // means over the points
  double gap() const { return optimized_elbo - encoder_elbo; }
};
AmortizationGap measure_amortization_gap(LatentVariableModel& vae, const HostMatrix& rows /*[N, D]*/, std::size_t n,
                                         std::size_t steps, double lr, std::size_t samples, std::size_t eval_samples,
                                         const RandomStream& stream, const Communicator& comm);

// Reconstructions (decoder means at ε = 0) of host rows.
HostMatrix vae_reconstructions(LatentVariableModel& vae, const HostMatrix& rows /*[n, D]*/,
                               std::vector<double>* log_likelihood = nullptr);  // -> [n, D]; log p(x|z) [n]

}  // namespace tractable
