#include "nn/mlp.hpp"

#include "core/error.hpp"

namespace tractable {

Mlp::Mlp(ParameterStore& store, const std::string& name, const MlpShape& shape, const Masks& masks) : shape_(shape) {
  require(masks.empty() || masks.size() == shape.depth + 1, "Mlp '" + name + "': need one mask per Linear layer");
  std::size_t width = shape.in;
  for (std::size_t l = 0; l <= shape.depth; ++l) {
    const bool last = l == shape.depth;
    auto linear = std::make_unique<Linear>(store, name + ".linear" + std::to_string(l), width, last ? shape.out : shape.hidden,
                                           last && shape.zero_output ? Linear::Init::zeros : Linear::Init::default_uniform);
    if (!masks.empty()) linear->set_mask(masks[l]);
    layers_.push_back(std::move(linear));
    if (!last) layers_.push_back(std::make_unique<ActivationLayer>(shape.activation, shape.hidden));
    width = shape.hidden;
  }
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

const Matrix& Mlp::input_vjp(const Matrix& dy) {
  const Matrix* g = &dy;
  for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) g = &(*it)->input_vjp(*g);
  return *g;
}

}  // namespace tractable
