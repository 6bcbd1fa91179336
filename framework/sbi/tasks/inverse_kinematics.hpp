#pragma once
// Kruse et al. 2021: a planar arm on a vertical rail. x ~ N(0, diag(0.25, 0.5,
// 0.5, 0.5)²): x1 the rail height, x2..x4 joint angles; segments 0.5, 0.5,
// 1.0; y = f(x), deterministic, so it has no likelihood.
#include "sbi/simulators.hpp"

namespace tractable {

class InverseKinematics : public Simulator {
 public:
  std::string name() const override { return "inverse_kinematics"; }
  std::size_t parameter_dim() const override { return 4; }
  std::size_t observation_dim() const override { return 2; }
  void sample_prior(RandomStream& r, double* x) const override;
  double log_prior(const double* x) const override;
  void simulate(RandomStream& r, const double* x, double* y) const override;
  bool has_likelihood() const override { return false; }
  double log_likelihood(const double* x, const double* y) const override;
};

// The forward kinematics of the arm: y = f(x) [2] for x [4] (rail height, three joint angles).
void arm_end_point(const double* x, double* y);

}  // namespace tractable
