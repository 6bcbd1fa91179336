#pragma once
// A permutation-invariant network for sets of iid points (Zaheer et al. 2017,
// "Deep Sets"): x [B, n·d] holds n points of d features each, point-major (as
// slcp's four 2-D draws); y = ρ(mean_i φ(x_i)) [B, out]. φ and ρ are MLPs, so
// y is invariant under any permutation of the points and the network fits any
// n. Backward through ρ, the mean and φ; its gradients are checked by finite
// differences with every registered network (tests/unit/test_layers.cpp).
#include "core/parameter_store.hpp"
#include "nn/mlp.hpp"

#include <memory>

namespace tractable {

struct DeepSetShape {
  std::size_t point_dim = 2;  // d; the input's width must be a multiple of it
  std::size_t pooled = 64;    // width of φ's output, the mean that ρ reads
  std::size_t hidden = 64;    // width of every hidden layer of φ and ρ
  std::size_t depth = 1;      // hidden layers of φ and of ρ
  Activation activation = Activation::relu;
};

class DeepSet : public Layer {
 public:
  DeepSet(ParameterStore& store, const std::string& name, std::size_t in, std::size_t out, const DeepSetShape& shape);
  const Matrix& forward(const Matrix& x /*[B, n·d]*/) override;     // -> [B, out]
  const Matrix& backward(const Matrix& dy /*[B, out]*/) override;   // -> [B, n·d]
  const Matrix& input_vjp(const Matrix& dy /*[B, out]*/) override;  // -> [B, n·d], no parameter gradients
  std::size_t in_features() const override { return in_; }
  std::size_t out_features() const override { return rho_.out_features(); }
  std::string describe() const override;

 private:
  const Matrix& through(const Matrix& dy, bool with_parameters);
  std::size_t in_, points_, point_dim_;
  Mlp phi_, rho_;
  Matrix points_rows_;   // [B·n, d]: each point a row, for φ
  Matrix pooled_;        // [B, pooled]
  Matrix d_embedded_;    // [B·n, pooled]
  Matrix dx_;            // [B, n·d]
};

}  // namespace tractable
