#pragma once
// A 2D convolution on an L×L periodic lattice (a torus), the conditioner layer
// of lattice flows (Albergo, Kanwar & Shanahan 2019): translation-equivariant,
// so it learns one local rule for every site instead of one per site.
//
// Rows hold C channels of L² sites, channel-major: feature c·L² + (t·L + s).
//   y(b, o, t, s) = bias(o) + Σ_{c, u, v} W(o, c, u, v) · x(b, c, t+u−r, s+v−r)   (indices mod L, r = k/2)
// The torus gives GatherConvolution its index tables (nn/gather_convolution.hpp).
#include "nn/gather_convolution.hpp"

namespace tractable {

class PeriodicConv2d : public GatherConvolution {
 public:
  // Reserves "<name>.weight" [out_channels, in_channels·k²] and "<name>.bias" [out_channels].
  PeriodicConv2d(ParameterStore& store, const std::string& name, std::size_t in_channels, std::size_t out_channels,
                 std::size_t side, std::size_t kernel, Init init = Init::default_uniform);
  std::string describe() const override;

 private:
  std::size_t side_, kernel_;
};

}  // namespace tractable
