#include "nn/made.hpp"

#include "core/error.hpp"
#include "core/random.hpp"

#include <numeric>

namespace tractable {

InputOrder parse_input_order(const std::string& name) {
  if (name == "natural") return InputOrder::natural;
  if (name == "reversed") return InputOrder::reversed;
  if (name == "random") return InputOrder::random;
  throw SpecError("unknown input order '" + name + "' (natural, reversed or random)");
}

std::vector<FixedArray> made_fixed_arrays(const MadeConnectivity& connectivity) {
  std::vector<FixedArray> arrays{fixed_vector("input_degrees", connectivity.input_degrees)};
  for (std::size_t l = 0; l < connectivity.masks.size(); ++l)
    arrays.push_back(fixed_matrix("made_mask_" + std::to_string(l), connectivity.masks[l]));
  return arrays;
}

MadeConnectivity made_connectivity(std::size_t dim, std::size_t hidden, std::size_t depth,
                                   std::size_t outputs_per_input, InputOrder order, std::uint64_t seed,
                                   std::size_t context) {
  require(dim >= 2, "MADE needs at least 2 inputs");
  if (depth > 0 && hidden < dim - 1)
    throw SpecError("a MADE over " + std::to_string(dim) + " inputs needs hidden >= " + std::to_string(dim - 1) +
                    " so every output stays connected; got hidden = " + std::to_string(hidden));
  MadeConnectivity c;
  c.input_degrees.resize(dim);
  std::iota(c.input_degrees.begin(), c.input_degrees.end(), 1);
  if (order == InputOrder::reversed) std::reverse(c.input_degrees.begin(), c.input_degrees.end());
  if (order == InputOrder::random) {
    RandomStream stream(seed, 0, Stream::init);
    for (std::size_t j = dim; j > 1; --j) std::swap(c.input_degrees[j - 1], c.input_degrees[stream.below(j)]);
  }
  std::vector<int> previous = c.input_degrees;
  previous.resize(dim + context, 0);  // context inputs: degree 0, seen by every hidden unit
  for (std::size_t l = 0; l < depth; ++l) {
    std::vector<int> degrees(hidden);
    for (std::size_t k = 0; k < hidden; ++k) degrees[k] = static_cast<int>(k % (dim - 1)) + 1;
    std::vector<std::vector<int>> mask(hidden, std::vector<int>(previous.size()));
    for (std::size_t k = 0; k < hidden; ++k)
      for (std::size_t i = 0; i < previous.size(); ++i) mask[k][i] = degrees[k] >= previous[i] ? 1 : 0;
    c.masks.push_back(std::move(mask));
    previous = std::move(degrees);
  }
  std::vector<std::vector<int>> out(outputs_per_input * dim, std::vector<int>(previous.size()));
  for (std::size_t b = 0; b < outputs_per_input; ++b)
    for (std::size_t d = 0; d < dim; ++d)
      for (std::size_t k = 0; k < previous.size(); ++k)
        out[b * dim + d][k] = c.input_degrees[d] > previous[k] ? 1 : 0;
  c.masks.push_back(std::move(out));
  return c;
}

}  // namespace tractable
