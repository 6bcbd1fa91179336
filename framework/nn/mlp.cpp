#include "nn/mlp.hpp"

namespace tractable {

Mlp::Mlp(ParameterStore& store, const std::string& name, const MlpShape& shape) : shape_(shape) {
  std::size_t width = shape.in;
  for (std::size_t l = 0; l < shape.depth; ++l) {
    layers_.push_back(std::make_unique<Linear>(store, name + ".linear" + std::to_string(l), width, shape.hidden));
    layers_.push_back(std::make_unique<ActivationLayer>(shape.activation, shape.hidden));
    width = shape.hidden;
  }
  layers_.push_back(std::make_unique<Linear>(store, name + ".linear" + std::to_string(shape.depth), width, shape.out,
                                             shape.zero_output ? Linear::Init::zeros : Linear::Init::default_uniform));
}

std::string Mlp::describe() const {
  std::string s = "Mlp(";
  for (std::size_t i = 0; i < layers_.size(); ++i) s += (i ? ", " : "") + layers_[i]->describe();
  return s + ")";
}

const Matrix& Mlp::forward(const Matrix& x) {
  const Matrix* h = &x;
  for (auto& layer : layers_) h = &layer->forward(*h);
  return *h;
}

const Matrix& Mlp::backward(const Matrix& dy) {
  const Matrix* g = &dy;
  for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) g = &(*it)->backward(*g);
  return *g;
}

}  // namespace tractable
