#pragma once
// Layers applied in order, as one Layer: forward runs them first to last,
// backward and input_vjp chain theirs last to first. The MLP and the sequence
// network are stacks.
#include "nn/layer.hpp"

#include <memory>
#include <vector>

namespace tractable {

class LayerStack : public Layer {
 public:
  const Matrix& forward(const Matrix& x) override {
    const Matrix* h = &x;
    for (auto& layer : layers_) h = &layer->forward(*h);
    return *h;
  }
  const Matrix& backward(const Matrix& dy) override {
    const Matrix* g = &dy;
    for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) g = &(*it)->backward(*g);
    return *g;
  }
  const Matrix& input_vjp(const Matrix& dy) override {
    const Matrix* g = &dy;
    for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) g = &(*it)->input_vjp(*g);
    return *g;
  }
  std::string describe() const override {
    std::string s = name() + "(";
    for (std::size_t i = 0; i < layers_.size(); ++i) s += (i ? ", " : "") + layers_[i]->describe();
    return s + ")";
  }

 protected:
  virtual std::string name() const = 0;  // "Mlp", "SequenceNetwork": what describe() calls the stack
  std::vector<std::unique_ptr<Layer>> layers_;
};

}  // namespace tractable
