#pragma once
// p(x|z) of a VAE, per pixel, from the decoder network's output `out` (one row
// per latent sample): the likelihood is an interface so a new one is its own
// files and one registration (registry/decoder_types.cpp), never a branch in
// the models. Rows r = b·k + j of `out` pair with example b of x. Shared by
// every latent-variable model.
#include "core/parameter_store.hpp"

#include <functional>
#include <memory>
#include <string>

namespace tractable {

class Decoder {
 public:
  virtual ~Decoder() = default;
  // terms(r, 0) = log p(x_b | out_r) for every row r.
  virtual void log_likelihood(const Matrix& x /*[B, D]*/, const Matrix& out /*[B·k, D]*/, std::size_t k,
                              const Matrix& terms /*[B·k, ≥1]*/) const = 0;
  // d_out(r, d) = g_r ∂ log p / ∂ out(r, d), g_r = d_terms(r, 0).
  virtual void backward(const Matrix& x /*[B, D]*/, const Matrix& out /*[B·k, D]*/, std::size_t k,
                        const Matrix& d_terms /*[B·k, ≥1]*/, const Matrix& d_out /*[B·k, D]*/) const = 0;
  // The likelihood's own parameters (a learned variance): gradients accumulated
  // into the store; `scratch` [B·k, D] may be overwritten. Default: none.
  virtual void parameter_backward(const Matrix& /*x*/, const Matrix& /*out*/, std::size_t /*k*/,
                                  const Matrix& /*d_terms*/, const Matrix& /*scratch*/) const {}
  // E[x|z] [N, D] from `out`.
  virtual void mean(const Matrix& out /*[N, D]*/, Matrix& result /*[N, D]*/) const = 0;
  virtual std::string describe() const = 0;
};

// How a model makes its decoder: parameters (if any) reserved under "<name>.*".
using DecoderFactory = std::function<std::unique_ptr<Decoder>(ParameterStore& store, const std::string& name, std::size_t dim)>;

}  // namespace tractable
