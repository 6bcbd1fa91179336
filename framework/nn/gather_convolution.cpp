#include "nn/gather_convolution.hpp"
#include "core/batch_parallel.hpp"

#include "core/column_sums.hpp"
#include "core/error.hpp"

#include "core/gemm.hpp"

#include <cmath>

namespace tractable {

GatherConvolution::GatherConvolution(ParameterStore& store, const std::string& name, std::size_t in_channels,
                                     std::size_t out_channels, std::size_t sites, std::size_t taps,
                                     const std::vector<int>& neighbour, const std::vector<int>& feeds, Init init)
    : in_channels_(in_channels), out_channels_(out_channels), sites_(sites), taps_(taps), store_(store) {
  require(in_channels > 0 && out_channels > 0 && sites > 0 && taps > 0,
          "convolution '" + name + "' needs positive sizes");
  require(neighbour.size() == taps * sites && feeds.size() == taps * sites,
          "convolution '" + name + "': index tables of the wrong size");
  const std::size_t fan_in = in_channels * taps;
  const Initializer fill =
      init == Init::zeros ? Initializer::zeros() : Initializer::uniform(Real(1) / std::sqrt(Real(fan_in)));
  weight_ = store.reserve(name + ".weight", {out_channels, fan_in}, fill);
  bias_ = store.reserve(name + ".bias", {out_channels}, fill);
  neighbour_ = IndexVector("tractable::GatherConvolution::neighbour", taps * sites);
  feeds_ = IndexVector("tractable::GatherConvolution::feeds", taps * sites);
  auto n = Kokkos::create_mirror_view(neighbour_);
  auto f = Kokkos::create_mirror_view(feeds_);
  for (std::size_t i = 0; i < taps * sites; ++i) {
    n(i) = neighbour[i];
    f(i) = feeds[i];
  }
  Kokkos::deep_copy(neighbour_, n);
  Kokkos::deep_copy(feeds_, f);
}

const Matrix& GatherConvolution::forward(const Matrix& x) {
  require(x.extent(1) == in_features(), "GatherConvolution::forward: x has " + std::to_string(x.extent(1)) +
                                            " columns, expected " + std::to_string(in_features()));
  const std::size_t batch = x.extent(0), sites = sites_, kk = taps_, C = in_channels_,
                    O = out_channels_;
  batch_ = batch;
  ensure_shape(output_, batch, out_features(), "tractable::GatherConvolution::output");
  if (batch == 0) return output_;
  ensure_shape(columns_, C * kk, batch * sites, "tractable::GatherConvolution::columns");
  ensure_shape(output_t_, O, batch * sites, "tractable::GatherConvolution::output_t");
  const Matrix cols = columns_;
  const IndexVector neighbour = neighbour_;
  // cols(c·K + u, b·S + site) = x(b, c·S + neighbour(u, site)) (0 for padding): a row per (b, c), a
  // block per tap u, the sites within it (B·C rows of K·S elements: a device gets them all).
  for_each_block_element(
      "tractable::GatherConvolution::im2col", batch * C, kk, sites,
      KOKKOS_LAMBDA(const std::size_t bc, const std::size_t uv, const std::size_t site) {
        const std::size_t b = bc / C, c = bc % C;
        const int from = neighbour(uv * sites + site);
        cols(c * kk + uv, b * sites + site) = from >= 0 ? x(b, c * sites + std::size_t(from)) : Real(0);
      });
  gemm("N", "N", Real(1), store_.matrix(weight_), columns_, Real(0), output_t_);
  const Matrix yt = output_t_, y = output_;
  const Vector bias = store_.vector(bias_);
  // y(b, o·S + site) = yt(o, b·S + site) + bias(o): a row per (b, o).
  for_each_element(
      "tractable::GatherConvolution::planes_to_rows", batch * O, sites,
      KOKKOS_LAMBDA(const std::size_t bo, const std::size_t site) {
        const std::size_t b = bo / O, o = bo % O;
        y(b, o * sites + site) = yt(o, b * sites + site) + bias(o);
      });
  return output_;
}

void GatherConvolution::transpose_gradient(const Matrix& dy) {
  const std::size_t batch = batch_, sites = sites_, O = out_channels_;
  require(dy.extent(0) == batch && dy.extent(1) == out_features(), "GatherConvolution::backward: dy shape mismatch");
  ensure_shape(output_gradient_t_, O, batch * sites, "tractable::GatherConvolution::output_gradient_t");
  const Matrix dyt = output_gradient_t_;
  for_each_element(
      "tractable::GatherConvolution::rows_to_planes", batch * O, sites,
      KOKKOS_LAMBDA(const std::size_t bo, const std::size_t site) {
        const std::size_t b = bo / O, o = bo % O;
        dyt(o, b * sites + site) = dy(b, o * sites + site);
      });
}

const Matrix& GatherConvolution::col2im() {
  const std::size_t sites = sites_, kk = taps_, C = in_channels_, batch = batch_;
  const Matrix dcols = column_gradient_, dx = input_gradient_;
  const IndexVector feeds = feeds_;
  // Site s' of channel c is tap u of site feeds(u, s'): sum those K entries, in tap order (a row per (b, c)).
  for_each_element(
      "tractable::GatherConvolution::col2im", batch * C, sites,
      KOKKOS_LAMBDA(const std::size_t bc, const std::size_t site) {
        const std::size_t b = bc / C, c = bc % C;
        Real total = 0;
        for (std::size_t uv = 0; uv < kk; ++uv) {
          const int from = feeds(uv * sites + site);
          if (from >= 0) total += dcols(c * kk + uv, b * sites + std::size_t(from));
        }
        dx(b, c * sites + site) = total;
      });
  return input_gradient_;
}

const Matrix& GatherConvolution::backward(const Matrix& dy) {
  ensure_shape(input_gradient_, batch_, in_features(), "tractable::GatherConvolution::input_gradient");
  if (batch_ == 0) return input_gradient_;
  transpose_gradient(dy);
  ensure_shape(column_gradient_, columns_.extent(0), columns_.extent(1), "tractable::GatherConvolution::column_gradient");
  gemm("N", "T", Real(1), output_gradient_t_, columns_, Real(1), store_.gradient_matrix(weight_));
  // db(o) += Σ over every (b, site) of dy_T(o, ·): one row sum per output channel.
  row_sums(output_gradient_t_, store_.gradient_vector(bias_), /*accumulate=*/true);
  gemm("T", "N", Real(1), store_.matrix(weight_), output_gradient_t_, Real(0), column_gradient_);
  return col2im();
}

const Matrix& GatherConvolution::input_vjp(const Matrix& dy) {
  ensure_shape(input_gradient_, batch_, in_features(), "tractable::GatherConvolution::input_gradient");
  if (batch_ == 0) return input_gradient_;
  transpose_gradient(dy);
  ensure_shape(column_gradient_, columns_.extent(0), columns_.extent(1), "tractable::GatherConvolution::column_gradient");
  gemm("T", "N", Real(1), store_.matrix(weight_), output_gradient_t_, Real(0), column_gradient_);
  return col2im();
}

}  // namespace tractable
