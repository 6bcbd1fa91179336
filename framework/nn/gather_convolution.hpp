#pragma once
// A convolution whose geometry is two index tables, so one implementation
// serves every lattice: C input channels of S sites each, channel-major
// (feature c·S + site), K taps per output site.
//   y(b, o, s) = bias(o) + Σ_{c, u} W(o, c·K + u) · x(b, c, neighbour(u, s))   (neighbour −1: zero padding)
// The work is im2col + one gemm, laid out position-last so every copy runs
// along contiguous sites: columns [C·K, B·S] hold each site's neighbourhood,
// y_T [O, B·S] = W · columns. Backward mirrors it: dW += dy_T · columnsᵀ,
// d columns = Wᵀ · dy_T, and col2im gathers each input site's gradient from
// the taps that read it (feeds(u, s'), −1: none) — no atomics.
// PeriodicConv2d (a torus) and Conv1d (a zero-padded sequence) give the tables.
#include "core/parameter_store.hpp"
#include "nn/layer.hpp"

#include <vector>

namespace tractable {

class GatherConvolution : public Layer {
 public:
  enum class Init { default_uniform, zeros };

  const Matrix& forward(const Matrix& x /*[B, C·S]*/) override;     // -> [B, O·S]
  const Matrix& backward(const Matrix& dy /*[B, O·S]*/) override;   // -> dx [B, C·S]; dW, db accumulated
  const Matrix& input_vjp(const Matrix& dy /*[B, O·S]*/) override;  // -> dx [B, C·S]
  std::size_t in_features() const override { return in_channels_ * sites_; }
  std::size_t out_features() const override { return out_channels_ * sites_; }

 public:
  // Kernel launchers, public only because nvcc refuses a device lambda inside a private or protected
  // member function (tests/lint/kokkos_lint.py); not part of the interface.
  void transpose_gradient(const Matrix& dy /*[B, O·S]*/);  // -> output_gradient_t_ [O, B·S]
  const Matrix& col2im();                                  // column_gradient_ -> input_gradient_

 protected:
  // Reserves "<name>.weight" [out_channels, in_channels·taps] and "<name>.bias" [out_channels]; the default
  // initialisation is PyTorch's, U(±1/√(in_channels·taps)). `neighbour` and `feeds` are [taps·sites], entry
  // u·S + s, −1 where the tap reads padding (feeds: where no output site's tap u reads s).
  GatherConvolution(ParameterStore& store, const std::string& name, std::size_t in_channels,
                    std::size_t out_channels, std::size_t sites, std::size_t taps, const std::vector<int>& neighbour,
                    const std::vector<int>& feeds, Init init);
  std::size_t in_channels_, out_channels_, sites_, taps_;

 private:
  ParameterStore& store_;
  ParameterId weight_, bias_;
  IndexVector neighbour_;   // [K·S]
  IndexVector feeds_;       // [K·S]
  std::size_t batch_ = 0;
  Matrix columns_;               // [C·K, B·S] im2col of the last input
  Matrix output_t_;              // [O, B·S]
  Matrix output_;                // [B, O·S]
  Matrix output_gradient_t_;     // [O, B·S]
  Matrix column_gradient_;       // [C·K, B·S]
  Matrix input_gradient_;        // [B, C·S]
};

}  // namespace tractable
