#pragma once
// The conditioner of a coupling layer: the coordinates with mask 1 pass
// through unchanged and feed an MLP whose output parameterises the transform
// of the others. Shared by the affine/additive and spline couplings. In a
// conditional flow the MLP also reads the embedded context h: its input is
// [m ⊙ source | h], [B, D + E].
#include "core/parameter_store.hpp"
#include "nn/mlp.hpp"

#include <string>
#include <vector>

namespace tractable {

class MaskedConditioner {
 public:
  // `shape.in` is set to D + context_features; `shape.out` must be set by the caller.
  MaskedConditioner(ParameterStore& store, const std::string& name, const std::vector<int>& mask, MlpShape shape,
                    std::size_t context_features = 0);

  // MLP([m ⊙ source | h]): [B, D] (and h [B, E]) -> [B, out]; valid until the next call.
  const Matrix& operator()(const Matrix& source /*[B, D]*/, const Matrix& h = Matrix() /*[B, E]*/);
  // grad(i, j) += dL/d source(i, j) through the MLP, on masked coordinates only; dh += dL/dh.
  void backward(const Matrix& doutput /*[B, out]*/, const Matrix& grad /*[B, D]*/,
                const Matrix& dh = Matrix() /*[B, E]*/);
  std::size_t context_features() const { return context_features_; }

  const IndexVector& mask() const { return mask_; }
  std::size_t dim() const { return mask_.extent(0); }
  std::size_t out_features() const { return mlp_.out_features(); }
  std::string mask_string() const;
  std::vector<int> host_mask() const;
  std::string describe() const { return mlp_.describe(); }

 private:
  IndexVector mask_;      // [D]
  std::size_t context_features_;
  Mlp mlp_;
  Matrix masked_input_;   // [B, D + E]
};

}  // namespace tractable
