#pragma once
// slcp_distractors (sbibm): slcp's 8 values and 92 distractors, x [100] =
// permuted [slcp(θ) | noise]. The noise is independent of θ: a fixed mixture
// of 20 multivariate Student-t (df 2, equal weights, loc 15·N(0, 1)⁹²,
// scale_tril 3·(tril N(0, 1)⁹²ˣ⁹² + diag e^{N(0, 1)})), drawn once by sbibm from
// np.random.seed(42) together with the permutation, and rebuilt here from that
// seed (sbi/numpy_random_state.hpp). The posterior is slcp's at the 8
// informative values; an estimator has to find them among 100.
#include "sbi/reference_posterior.hpp"
#include "sbi/tasks/slcp.hpp"

#include <vector>

namespace tractable {

class SlcpDistractors : public Simulator {
 public:
  std::string name() const override { return "slcp_distractors"; }
  std::size_t parameter_dim() const override { return 5; }
  std::size_t observation_dim() const override { return kObservations; }
  void sample_prior(RandomStream& r, double* theta) const override { slcp_.sample_prior(r, theta); }
  double log_prior(const double* theta) const override { return slcp_.log_prior(theta); }
  void simulate(RandomStream& r, const double* theta, double* x) const override;
  // slcp's likelihood at the informative values plus the distractors' log density (constant in θ, there
  // so that the density is x's whole density).
  double log_likelihood(const double* theta, const double* x) const override;
  std::size_t draws_per_row() const override { return 128; }  // 5 + 8 for slcp, 1 + 92 + 1 for a distractor

  static constexpr std::size_t kObservations = 100, kNoise = 92, kComponents = 20;
  struct Distractors {
    std::vector<double> loc;         // [20, 92]
    std::vector<double> scale_tril;  // [20, 92, 92], lower triangular
    std::vector<std::size_t> permutation;  // [100]: x[i] = [slcp | noise][permutation[i]]
  };
  static const Distractors& distractors();
  // slcp's 8 values out of x [100].
  static void informative(const double* x, double* slcp_x);

 private:
  Slcp slcp_;
};

// slcp's reference posterior at the informative values of x_o.
ReferenceSampler slcp_distractors_reference(ReferenceSampler slcp_reference);

}  // namespace tractable
