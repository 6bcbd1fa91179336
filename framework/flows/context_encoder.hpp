#pragma once
// The context c of a conditional flow p(x | c), as its layers read it:
//   h = embedding(standardise(c)),  [B, C] -> [B, E]
// standardise is an ActNorm on c, set from the first global batch so every
// context column starts z-scored (simulator outputs span orders of magnitude)
// and trained afterwards; embedding is an optional registered network (model.context_embedding),
// E = C without one. Exact backward to c and to both parts' parameters.
#include "core/batch_reducer.hpp"
#include "core/parameter_store.hpp"
#include "flows/actnorm.hpp"
#include "nn/network.hpp"

#include <memory>
#include <optional>
#include <string>

namespace tractable {

// The embedding network of model.context_embedding and E, the features it gives every conditional layer.
struct ContextEmbedding {
  NetworkFactory network;
  std::size_t features = 8;
};

class ContextEncoder {
 public:
  // `embedding`: the network [B, C] -> [B, E], or none.
  ContextEncoder(ParameterStore& store, const std::string& name, std::size_t context_dim,
                 const std::optional<ContextEmbedding>& embedding);

  void initialize_from_data(const Matrix& c /*[B_local, C]*/, const BatchReducer& ranks);
  const Matrix& forward(const Matrix& c /*[B, C]*/);     // -> h [B, E], valid until the next forward
  const Matrix& backward(const Matrix& dh /*[B, E]*/);  // -> dL/dc [B, C]; parameter gradients +=

  std::size_t context_dim() const { return context_dim_; }
  std::size_t features() const { return embedding_ ? embedding_->out_features() : context_dim_; }
  std::string describe() const;

 private:
  std::size_t context_dim_;
  ActNorm standardize_;
  std::unique_ptr<Layer> embedding_;
  Vector unused_logdet_, zero_dlogdet_;  // [B]: the log-det of a map of c is no part of p(x | c)
};

}  // namespace tractable
