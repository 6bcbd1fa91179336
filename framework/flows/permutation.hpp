#pragma once
// A fixed permutation of the coordinates, y_j = x_{perm[j]}; volume preserving
// (log|det| = 0) and parallel in both directions. `reverse` flips the order;
// `random_permutation` draws one from the run's seed, so it is reproduced
// exactly by the spec alone.
#include "flows/bijector.hpp"

#include <cstdint>
#include <vector>

namespace tractable {

class Permutation : public Bijector {
 public:
  explicit Permutation(const std::vector<int>& perm, std::string kind = "permutation");
  static Permutation reverse(std::size_t dim);
  static Permutation random(std::size_t dim, std::uint64_t seed);

  const Matrix& forward(const Matrix& x, const Vector& logdet) override;
  const Matrix& forward_backward(const Matrix& dy, const Vector& dlogdet) override;
  const Matrix& inverse(const Matrix& y, const Vector& logdet) override;
  const Matrix& inverse_backward(const Matrix& dx, const Vector& dlogdet) override;

  std::size_t dim() const override { return order_.size(); }
  std::string describe() const override;
  const std::vector<int>& order() const { return order_; }
  // "permutation" [D]: forward y_j = x_{permutation[j]}.
  std::vector<FixedArray> fixed_arrays() const override { return {fixed_vector("permutation", order_)}; }

 public:
  // Kernel launchers, public only because nvcc refuses a device lambda inside a private or protected
  // member function (tests/lint/kokkos_lint.py); not part of the interface.
  // out(i, perm[j]) = in(i, j) when scatter, out(i, j) = in(i, perm[j]) when gather.
  void apply(const Matrix& in, Matrix& out, bool scatter, const char* label);

 private:
  std::vector<int> order_;
  std::string kind_;
  IndexVector perm_;  // [D]
  Matrix output_, gradient_;
};

}  // namespace tractable
