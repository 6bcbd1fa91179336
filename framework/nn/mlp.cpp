#include "nn/mlp.hpp"

#include "core/error.hpp"
#include "nn/periodic_conv2d.hpp"

namespace tractable {

Mlp::Mlp(ParameterStore& store, const std::string& name, const MlpShape& shape, const Masks& masks) : shape_(shape) {
  require(masks.empty() || masks.size() == shape.depth + 1, "Mlp '" + name + "': need one mask per Linear layer");
  const std::size_t sites = shape.lattice_side * shape.lattice_side;
  if (sites > 0) {
    require(masks.empty(), "Mlp '" + name + "': a convolutional network has no connectivity masks");
    for (const std::size_t features : {shape.in, shape.hidden, shape.out})
      require(features % sites == 0, "Mlp '" + name + "': " + std::to_string(features) +
                                         " features are not a whole number of channels of " + std::to_string(sites) + " sites");
  }
  std::size_t width = shape.in;
  for (std::size_t l = 0; l <= shape.depth; ++l) {
    const bool last = l == shape.depth;
    const std::size_t out = last ? shape.out : shape.hidden;
    const bool zeros = last && shape.zero_output;
    if (sites > 0) {
      layers_.push_back(std::make_unique<PeriodicConv2d>(
          store, name + ".conv" + std::to_string(l), width / sites, out / sites, shape.lattice_side, shape.kernel,
          zeros ? PeriodicConv2d::Init::zeros : PeriodicConv2d::Init::default_uniform));
    } else {
      auto linear = std::make_unique<Linear>(store, name + ".linear" + std::to_string(l), width, out,
                                             zeros ? Linear::Init::zeros : Linear::Init::default_uniform);
      if (!masks.empty()) linear->set_mask(masks[l]);
      if (!last) linear->fuse_activation(shape.activation);  // its epilogue: no ActivationLayer
      layers_.push_back(std::move(linear));
    }
    if (!last && sites > 0) layers_.push_back(std::make_unique<ActivationLayer>(shape.activation, shape.hidden));
    width = shape.hidden;
  }
}

}  // namespace tractable
