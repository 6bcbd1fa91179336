#pragma once
// The conditioner of a coupling layer: the coordinates with mask 1 pass
// through unchanged and feed an MLP whose output parameterises the transform
// of the others. Shared by the affine/additive and spline couplings.
#include "core/parameter_store.hpp"
#include "nn/mlp.hpp"

#include <string>
#include <vector>

namespace tractable {

class MaskedConditioner {
 public:
  // `shape.in` is set to D; `shape.out` must be set by the caller.
  MaskedConditioner(ParameterStore& store, const std::string& name, const std::vector<int>& mask, MlpShape shape);

  // MLP(m ⊙ source): [B, D] -> [B, out]; valid until the next call.
  const Matrix& operator()(const Matrix& source /*[B, D]*/);
  // grad(i, j) += dL/d source(i, j) through the MLP, on masked coordinates only.
  void backward(const Matrix& doutput /*[B, out]*/, const Matrix& grad /*[B, D]*/);

  const IndexVector& mask() const { return mask_; }
  std::size_t dim() const { return mask_.extent(0); }
  std::size_t out_features() const { return mlp_.out_features(); }
  std::string mask_string() const;
  std::vector<int> host_mask() const;
  std::string describe() const { return mlp_.describe(); }

 private:
  IndexVector mask_;      // [D]
  Mlp mlp_;
  Matrix masked_input_;   // [B, D]
};

}  // namespace tractable
