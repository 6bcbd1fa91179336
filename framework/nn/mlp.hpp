#pragma once
// A multilayer perceptron: Linear -> activation -> ... -> Linear (no output
// activation), or the same stack of periodic convolutions on lattice data. Each piece is a Layer, so the MLP's backward is the chain of
// theirs in reverse.
#include "nn/activation.hpp"
#include "nn/layer_stack.hpp"
#include "nn/linear.hpp"

#include <memory>
#include <vector>

namespace tractable {

struct MlpShape {
  std::size_t in = 0;
  std::size_t hidden = 64;  // width of every hidden layer
  std::size_t depth = 2;    // number of hidden layers (0 = one Linear)
  std::size_t out = 0;
  Activation activation = Activation::relu;
  bool zero_output = false;  // zero-initialise the last Linear
  // > 0: a CNN on an L×L periodic lattice (nn/periodic_conv2d.hpp) in place of the
  // dense layers; in, hidden and out then count features, channels × L².
  std::size_t lattice_side = 0;
  std::size_t kernel = 3;    // the CNN's kernel side (odd)
};

class Mlp : public LayerStack {
 public:
  // `masks`, if given, holds one [out][in] 0/1 connectivity mask per Linear
  // (depth + 1 of them): a MADE.
  using Masks = std::vector<std::vector<std::vector<int>>>;
  Mlp(ParameterStore& store, const std::string& name, const MlpShape& shape, const Masks& masks = {});
  // forward [B, in] -> [B, out]; backward and input_vjp [B, out] -> [B, in] (LayerStack)
  std::size_t in_features() const override { return shape_.in; }
  std::size_t out_features() const override { return shape_.out; }

 private:
  std::string name() const override { return "Mlp"; }
  MlpShape shape_;
};

}  // namespace tractable
