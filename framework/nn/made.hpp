#pragma once
// Connectivity masks of a MADE (Germain et al. 2015): an MLP whose output for
// coordinate d depends only on inputs that come before d in a chosen order,
// which makes any flow built on it autoregressive (triangular Jacobian).
#include "core/fixed_array.hpp"
#include "nn/mlp.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tractable {

enum class InputOrder { natural, reversed, random };
InputOrder parse_input_order(const std::string& name);  // "natural" | "reversed" | "random"

struct MadeConnectivity {
  std::vector<int> input_degrees;  // [D], a permutation of 1..D
  Mlp::Masks masks;                // one [out][in] mask per Linear
};

// Inputs get degrees 1..D in `order`; hidden units cycle through 1..D−1, so
// every degree is present in every hidden layer (needs hidden ≥ D−1) and
// every output stays connected; a hidden unit sees inputs of degree ≤ its own,
// output block b (of `outputs_per_input`) for coordinate d sees hidden units
// of degree < deg(d). `context` extra inputs, appended after the D
// coordinates, get degree 0: every hidden unit sees them, so a conditional
// MADE (IAF posteriors with the encoder's context) stays autoregressive in the
// D coordinates.
MadeConnectivity made_connectivity(std::size_t dim, std::size_t hidden, std::size_t depth,
                                   std::size_t outputs_per_input, InputOrder order, std::uint64_t seed,
                                   std::size_t context = 0);

// How a run file stores a MADE: "input_degrees" [D] and "made_mask_<l>" [out, in],
// one per Linear l (the weights are stored unmasked; the network uses W ⊙ mask).
std::vector<FixedArray> made_fixed_arrays(const MadeConnectivity& connectivity);

}  // namespace tractable
