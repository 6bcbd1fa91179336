#include "nn/periodic_conv2d.hpp"

#include "core/column_sums.hpp"
#include "core/error.hpp"

#include <KokkosBlas3_gemm.hpp>

#include <cmath>

namespace tractable {

PeriodicConv2d::PeriodicConv2d(ParameterStore& store, const std::string& name, std::size_t in_channels,
                               std::size_t out_channels, std::size_t side, std::size_t kernel, Init init)
    : store_(store), in_channels_(in_channels), out_channels_(out_channels), side_(side), kernel_(kernel) {
  require(in_channels > 0 && out_channels > 0 && side > 0, "PeriodicConv2d '" + name + "' needs positive sizes");
  require(kernel % 2 == 1 && kernel / 2 <= side, "PeriodicConv2d '" + name + "': the kernel must be odd, k/2 <= L");
  const std::size_t fan_in = in_channels * kernel * kernel;
  const Initializer fill =
      init == Init::zeros ? Initializer::zeros() : Initializer::uniform(Real(1) / std::sqrt(Real(fan_in)));
  weight_ = store.reserve(name + ".weight", {out_channels, fan_in}, fill);
  bias_ = store.reserve(name + ".bias", {out_channels}, fill);
  const std::size_t L = side, sites = L * L, k = kernel, r = kernel / 2;
  neighbour_ = IndexVector("tractable::PeriodicConv2d::neighbour", k * k * sites);
  feeds_ = IndexVector("tractable::PeriodicConv2d::feeds", k * k * sites);
  auto neighbour = Kokkos::create_mirror_view(neighbour_);
  auto feeds = Kokkos::create_mirror_view(feeds_);
  for (std::size_t u = 0; u < k; ++u)
    for (std::size_t v = 0; v < k; ++v)
      for (std::size_t t = 0; t < L; ++t)
        for (std::size_t s = 0; s < L; ++s) {
          const std::size_t at = (u * k + v) * sites + t * L + s;
          neighbour(at) = int(((t + L + u - r) % L) * L + (s + L + v - r) % L);
          feeds(at) = int(((t + L + r - u) % L) * L + (s + L + r - v) % L);
        }
  Kokkos::deep_copy(neighbour_, neighbour);
  Kokkos::deep_copy(feeds_, feeds);
}

std::string PeriodicConv2d::describe() const {
  return "PeriodicConv2d(" + std::to_string(in_channels_) + " -> " + std::to_string(out_channels_) + ", " +
         std::to_string(kernel_) + "x" + std::to_string(kernel_) + " on " + std::to_string(side_) + "x" +
         std::to_string(side_) + ")";
}

const Matrix& PeriodicConv2d::forward(const Matrix& x) {
  require(x.extent(1) == in_features(), "PeriodicConv2d::forward: x has " + std::to_string(x.extent(1)) +
                                            " columns, expected " + std::to_string(in_features()));
  const std::size_t batch = x.extent(0), sites = side_ * side_, kk = kernel_ * kernel_, C = in_channels_,
                    O = out_channels_;
  batch_ = batch;
  ensure_shape(output_, batch, out_features(), "tractable::PeriodicConv2d::output");
  if (batch == 0) return output_;
  ensure_shape(columns_, C * kk, batch * sites, "tractable::PeriodicConv2d::columns");
  ensure_shape(output_t_, O, batch * sites, "tractable::PeriodicConv2d::output_t");
  const Matrix cols = columns_;
  const IndexVector neighbour = neighbour_;
  // cols(c·k² + uv, b·L² + site) = x(b, c·L² + neighbour(uv, site)): one plane gathered per (b, c, uv).
  Kokkos::parallel_for(
      "tractable::PeriodicConv2d::im2col", RangePolicy(0, batch * C), KOKKOS_LAMBDA(const std::size_t bc) {
        const std::size_t b = bc / C, c = bc % C;
        const Real* __restrict plane = &x(b, c * sites);  // [L²]
        for (std::size_t uv = 0; uv < kk; ++uv) {
          Real* __restrict out = &cols(c * kk + uv, b * sites);  // [L²]
          const int* __restrict from = &neighbour(uv * sites);   // [L²]
          for (std::size_t site = 0; site < sites; ++site) out[site] = plane[from[site]];
        }
      });
  KokkosBlas::gemm("N", "N", Real(1), store_.matrix(weight_), columns_, Real(0), output_t_);
  const Matrix yt = output_t_, y = output_;
  const Vector bias = store_.vector(bias_);
  Kokkos::parallel_for(
      "tractable::PeriodicConv2d::planes_to_rows", RangePolicy(0, batch * O), KOKKOS_LAMBDA(const std::size_t bo) {
        const std::size_t b = bo / O, o = bo % O;
        const Real* __restrict from = &yt(o, b * sites);  // [L²]
        Real* __restrict to = &y(b, o * sites);           // [L²]
        const Real shift = bias(o);
        for (std::size_t site = 0; site < sites; ++site) to[site] = from[site] + shift;
      });
  return output_;
}

void PeriodicConv2d::transpose_gradient(const Matrix& dy) {
  const std::size_t batch = batch_, sites = side_ * side_, O = out_channels_;
  require(dy.extent(0) == batch && dy.extent(1) == out_features(), "PeriodicConv2d::backward: dy shape mismatch");
  ensure_shape(output_gradient_t_, O, batch * sites, "tractable::PeriodicConv2d::output_gradient_t");
  const Matrix dyt = output_gradient_t_;
  Kokkos::parallel_for(
      "tractable::PeriodicConv2d::rows_to_planes", RangePolicy(0, batch * O), KOKKOS_LAMBDA(const std::size_t bo) {
        const std::size_t b = bo / O, o = bo % O;
        const Real* __restrict from = &dy(b, o * sites);  // [L²]
        Real* __restrict to = &dyt(o, b * sites);         // [L²]
        for (std::size_t site = 0; site < sites; ++site) to[site] = from[site];
      });
}

const Matrix& PeriodicConv2d::col2im() {
  const std::size_t sites = side_ * side_, kk = kernel_ * kernel_, C = in_channels_, batch = batch_;
  const Matrix dcols = column_gradient_, dx = input_gradient_;
  const IndexVector feeds = feeds_;
  // Site s' of channel c is entry uv of site feeds(uv, s'): sum those k² entries, plane by plane.
  Kokkos::parallel_for(
      "tractable::PeriodicConv2d::col2im", RangePolicy(0, batch * C), KOKKOS_LAMBDA(const std::size_t bc) {
        const std::size_t b = bc / C, c = bc % C;
        Real* __restrict to = &dx(b, c * sites);  // [L²]
        for (std::size_t site = 0; site < sites; ++site) to[site] = 0;
        for (std::size_t uv = 0; uv < kk; ++uv) {
          const Real* __restrict plane = &dcols(c * kk + uv, b * sites);  // [L²]
          const int* __restrict from = &feeds(uv * sites);                // [L²]
          for (std::size_t site = 0; site < sites; ++site) to[site] += plane[from[site]];
        }
      });
  return input_gradient_;
}

const Matrix& PeriodicConv2d::backward(const Matrix& dy) {
  ensure_shape(input_gradient_, batch_, in_features(), "tractable::PeriodicConv2d::input_gradient");
  if (batch_ == 0) return input_gradient_;
  transpose_gradient(dy);
  ensure_shape(column_gradient_, columns_.extent(0), columns_.extent(1), "tractable::PeriodicConv2d::column_gradient");
  KokkosBlas::gemm("N", "T", Real(1), output_gradient_t_, columns_, Real(1), store_.gradient_matrix(weight_));
  // db(o) += Σ over every (b, site) of dy_T(o, ·): one row sum per output channel.
  row_sums(output_gradient_t_, store_.gradient_vector(bias_), /*accumulate=*/true);
  KokkosBlas::gemm("T", "N", Real(1), store_.matrix(weight_), output_gradient_t_, Real(0), column_gradient_);
  return col2im();
}

const Matrix& PeriodicConv2d::input_vjp(const Matrix& dy) {
  ensure_shape(input_gradient_, batch_, in_features(), "tractable::PeriodicConv2d::input_gradient");
  if (batch_ == 0) return input_gradient_;
  transpose_gradient(dy);
  ensure_shape(column_gradient_, columns_.extent(0), columns_.extent(1), "tractable::PeriodicConv2d::column_gradient");
  KokkosBlas::gemm("T", "N", Real(1), store_.matrix(weight_), output_gradient_t_, Real(0), column_gradient_);
  return col2im();
}

}  // namespace tractable
