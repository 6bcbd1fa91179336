#include "flows/context_encoder.hpp"

#include "core/error.hpp"

namespace tractable {

namespace {
std::unique_ptr<Layer> make_embedding(ParameterStore& store, const std::string& name, std::size_t context_dim,
                                      const std::optional<ContextEmbedding>& embedding) {
  if (!embedding) return nullptr;
  return embedding->network(store, name, context_dim, embedding->features);
}
}  // namespace

ContextEncoder::ContextEncoder(ParameterStore& store, const std::string& name, std::size_t context_dim,
                               const std::optional<ContextEmbedding>& embedding)
    : context_dim_(context_dim),
      standardize_(store, name + ".standardize", context_dim),
      embedding_(make_embedding(store, name + ".embedding", context_dim, embedding)) {
  require(context_dim > 0, "ContextEncoder: a context needs at least one column");
}

std::string ContextEncoder::describe() const {
  return "Context(C=" + std::to_string(context_dim_) + ", " + standardize_.describe() +
         (embedding_ ? ", embedding " + embedding_->describe() : std::string()) + ")";
}

void ContextEncoder::initialize_from_data(const Matrix& c, const BatchReducer& ranks) {
  standardize_.initialize_from_data(c, ranks);
}

const Matrix& ContextEncoder::forward(const Matrix& c) {
  require(c.extent(1) == context_dim_, "context: " + std::to_string(c.extent(1)) + " columns, the flow takes " +
                                           std::to_string(context_dim_));
  if (unused_logdet_.extent(0) != c.extent(0))  // zeroed, so what ActNorm adds to it stays finite
    unused_logdet_ = Vector("tractable::ContextEncoder::unused_logdet", c.extent(0));
  const Matrix& standardized = standardize_.forward(c, unused_logdet_);
  return embedding_ ? embedding_->forward(standardized) : standardized;
}

const Matrix& ContextEncoder::backward(const Matrix& dh) {
  if (zero_dlogdet_.extent(0) != dh.extent(0)) zero_dlogdet_ = Vector("tractable::ContextEncoder::zero_dlogdet", dh.extent(0));
  const Matrix& dstandardized = embedding_ ? embedding_->backward(dh) : dh;
  return standardize_.forward_backward(dstandardized, zero_dlogdet_);
}

}  // namespace tractable
