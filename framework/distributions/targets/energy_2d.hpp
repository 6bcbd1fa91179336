#pragma once
// Two-dimensional energy targets p̃(z) = exp(−U(z)):
//   u1–u4: Rezende & Mohamed 2015, Table 1 (shared/PAPERS.md). The paper draws
//          them on (−4, 4)²; U2–U4 do not decay along z1, so outside that box a
//          steep quadratic wall ½((|z_k| − 4)/0.1)² keeps the normaliser finite
//          (it changes nothing inside the box).
//   double_well: U = z1⁴ − 6 z1² + z1 + ½ z2².
#include "distributions/targets/target.hpp"

namespace tractable {

class Energy2d : public Target {
 public:
  enum class Kind { u1, u2, u3, u4, double_well };
  explicit Energy2d(Kind kind) : kind_(kind) {}
  static Kind parse(const std::string& name);  // "u1" … "u4", "double_well"

  std::size_t dim() const override { return 2; }
  void log_density(const Matrix& x, const Vector& out) const override;
  void log_density_gradient(const Matrix& x, const Matrix& grad) const override;
  std::string describe() const override;

 private:
  Kind kind_;
};

}  // namespace tractable
