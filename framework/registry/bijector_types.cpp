#include "registry/bijector_types.hpp"

namespace tractable {

// Each type's registration lives beside its keys in registry/bijectors/.
BijectorRegistration affine_coupling_type();
BijectorRegistration additive_coupling_type();
BijectorRegistration rqs_coupling_type();
BijectorRegistration maf_type();
BijectorRegistration iaf_type();
BijectorRegistration rqs_autoregressive_type();
BijectorRegistration lu_linear_type();
BijectorRegistration planar_type();
BijectorRegistration radial_type();
BijectorRegistration actnorm_type();
BijectorRegistration batchnorm_type();
BijectorRegistration reverse_type();
BijectorRegistration random_permutation_type();

const BijectorRegistry& bijector_registry() {
  static const BijectorRegistry registry(
      "model.layers[].type",
      {affine_coupling_type(), additive_coupling_type(), rqs_coupling_type(), maf_type(), iaf_type(),
       rqs_autoregressive_type(), lu_linear_type(), planar_type(), radial_type(), actnorm_type(), batchnorm_type(),
       reverse_type(), random_permutation_type()});
  return registry;
}

const std::vector<const char*>& inherited_layer_keys() {
  static const std::vector<const char*> keys{"hidden", "depth", "activation", "scale_bound"};
  return keys;
}

std::size_t lattice_side(std::size_t dim, const std::string& where) {
  std::size_t side = 0;
  while ((side + 1) * (side + 1) <= dim) ++side;
  if (side * side != dim)
    throw SpecError(where + " reads the " + std::to_string(dim) + " dimensions as an L×L lattice, but " +
                    std::to_string(dim) + " is not a square");
  return side;
}

std::vector<int> coupling_mask(const std::string& kind, std::size_t dim, std::size_t k) {
  std::vector<int> mask(dim);
  const std::size_t side = kind == "checkerboard" ? lattice_side(dim, "model.layers: a checkerboard mask") : 0;
  for (std::size_t j = 0; j < dim; ++j) {
    // On an even-sided lattice stored row-major, j % 2 is the column's parity (stripes);
    // a checkerboard needs the parity of row + column.
    const bool first = kind == "half" ? j < (dim + 1) / 2 : kind == "checkerboard" ? (j / side + j % side) % 2 == 0 : j % 2 == 0;
    mask[j] = (first == (k % 2 == 0)) ? 1 : 0;
  }
  return mask;
}

}  // namespace tractable
