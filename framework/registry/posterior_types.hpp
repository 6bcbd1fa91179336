#pragma once
// The VAE posterior registry (`model.posterior.type`): the family of q(z|x).
// A type builds the shape of the posterior the VAE then owns.
#include "spec/registry.hpp"

#include <cstddef>

namespace tractable {

struct PosteriorShape {
  std::size_t iaf_steps = 0;  // 0: the diagonal Gaussian
  std::size_t iaf_hidden = 0, iaf_depth = 1, iaf_context = 0;
};
struct PosteriorContext {};
using PosteriorRegistry = Registry<PosteriorShape, PosteriorContext>;
const PosteriorRegistry& posterior_registry();

}  // namespace tractable
