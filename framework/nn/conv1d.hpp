#pragma once
// Convolutions along time series, and the network made of them.
//
// Conv1d: C input channels of T steps each, channel-major (feature c·T + t),
// zero-padded at both ends, odd kernel k (r = k/2):
//   y(b, o, t) = bias(o) + Σ_{c, u} W(o, c·k + u) · x(b, c, t + u − r)
// The sequence gives GatherConvolution its index tables (nn/gather_convolution.hpp).
//
// SequenceNetwork: depth convolutions (C -> F -> … -> F channels, the
// activation after each), then one linear map from the F·T features to `out`:
// an embedding for simulators whose observations are time series (sir's 10
// counts; lotka_volterra's prey and predator series, 2 channels of 10).
#include "nn/activation.hpp"
#include "nn/gather_convolution.hpp"
#include "nn/layer_stack.hpp"

namespace tractable {

class Conv1d : public GatherConvolution {
 public:
  // Reserves "<name>.weight" [out_channels, in_channels·k] and "<name>.bias" [out_channels].
  Conv1d(ParameterStore& store, const std::string& name, std::size_t in_channels, std::size_t out_channels,
         std::size_t steps, std::size_t kernel, Init init = Init::default_uniform);
  std::string describe() const override;

 private:
  std::size_t kernel_;
};

struct SequenceShape {
  std::size_t channels = 1;  // C: the input's width is C·T
  std::size_t filters = 16;  // F: channels of every convolution's output
  std::size_t kernel = 3;    // odd
  std::size_t depth = 2;     // convolutions (≥ 1)
  Activation activation = Activation::relu;
};

class SequenceNetwork : public LayerStack {
 public:
  // [B, C·T] -> [B, out]; a SpecError naming `name` when `in` is not a whole number of C-channel steps.
  SequenceNetwork(ParameterStore& store, const std::string& name, std::size_t in, std::size_t out,
                  const SequenceShape& shape);
  std::size_t in_features() const override { return in_; }
  std::size_t out_features() const override { return out_; }

 private:
  std::string name() const override { return "SequenceNetwork"; }
  std::size_t in_, out_;
};

}  // namespace tractable
