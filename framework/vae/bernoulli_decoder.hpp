#pragma once
// Bernoulli pixels with logits ℓ: log p = Σ_d x_d ℓ_d − softplus(ℓ_d), stable for any ℓ.
#include "vae/decoder.hpp"

namespace tractable {

class BernoulliDecoder : public Decoder {
 public:
  void log_likelihood(const Matrix& x, const Matrix& out, std::size_t k, const Matrix& terms) const override;
  void backward(const Matrix& x, const Matrix& out, std::size_t k, const Matrix& d_terms, const Matrix& d_out) const override;
  void mean(const Matrix& out, Matrix& result) const override;  // sigmoid(ℓ)
  std::string describe() const override { return "Bernoulli"; }

 private:
  mutable Matrix pixel_terms_;  // [B·k, D] per-pixel terms (scratch, reused across calls)
};

DecoderFactory bernoulli_decoder();

}  // namespace tractable
