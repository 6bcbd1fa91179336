#pragma once
// A 2D convolution on an L×L periodic lattice (a torus), the conditioner layer
// of lattice flows (Albergo, Kanwar & Shanahan 2019): translation-equivariant,
// so it learns one local rule for every site instead of one per site.
//
// Rows hold C channels of L² sites, channel-major: feature c·L² + (t·L + s).
//   y(b, o, t, s) = bias(o) + Σ_{c, u, v} W(o, c, u, v) · x(b, c, t+u−r, s+v−r)   (indices mod L, r = k/2)
// The work is im2col + one gemm, laid out position-last so every copy runs
// along contiguous sites: columns [C·k², B·L²] hold each site's neighbourhood,
// y_T [O, B·L²] = W · columns. Backward mirrors it: dW += dy_T · columnsᵀ,
// d columns = Wᵀ · dy_T, and col2im gathers each site's gradient from the k²
// neighbourhoods it belongs to (no atomics).
#include "core/parameter_store.hpp"
#include "nn/layer.hpp"

namespace tractable {

class PeriodicConv2d : public Layer {
 public:
  enum class Init { default_uniform, zeros };
  // Reserves "<name>.weight" [out_channels, in_channels·k²] and "<name>.bias" [out_channels];
  // the default initialisation is PyTorch's, U(±1/√(in_channels·k²)).
  PeriodicConv2d(ParameterStore& store, const std::string& name, std::size_t in_channels, std::size_t out_channels,
                 std::size_t side, std::size_t kernel, Init init = Init::default_uniform);

  const Matrix& forward(const Matrix& x /*[B, C·L²]*/) override;     // -> [B, O·L²]
  const Matrix& backward(const Matrix& dy /*[B, O·L²]*/) override;   // -> dx [B, C·L²]; dW, db accumulated
  const Matrix& input_vjp(const Matrix& dy /*[B, O·L²]*/) override;  // -> dx [B, C·L²]
  std::size_t in_features() const override { return in_channels_ * side_ * side_; }
  std::size_t out_features() const override { return out_channels_ * side_ * side_; }
  std::string describe() const override;

 public:
  // Kernel launchers, public only because nvcc refuses a device lambda inside a private or protected
  // member function (tests/lint/kokkos_lint.py); not part of the interface.
  void transpose_gradient(const Matrix& dy /*[B, O·L²]*/);  // -> output_gradient_t_ [O, B·L²]
  const Matrix& col2im();                                  // column_gradient_ -> input_gradient_

 private:
  ParameterStore& store_;
  ParameterId weight_, bias_;
  std::size_t in_channels_, out_channels_, side_, kernel_;
  // Index tables built once, so the kernels do no modular arithmetic:
  IndexVector neighbour_;   // [k²·L²] at uv·L² + site: the site (t+u−r, s+v−r) mod L
  IndexVector feeds_;       // [k²·L²] at uv·L² + site: the site (t−u+r, s−v+r) mod L, whose entry uv this site is
  std::size_t batch_ = 0;
  Matrix columns_;               // [C·k², B·L²] im2col of the last input
  Matrix output_t_;              // [O, B·L²]
  Matrix output_;                // [B, O·L²]
  Matrix output_gradient_t_;     // [O, B·L²]
  Matrix column_gradient_;       // [C·k², B·L²]
  Matrix input_gradient_;        // [B, C·L²]
};

}  // namespace tractable
