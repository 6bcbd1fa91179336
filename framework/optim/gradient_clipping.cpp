#include "optim/gradient_clipping.hpp"

#include <cmath>

namespace tractable {

double global_norm(const Vector& grads /*[P]*/) {
  // Blocks of 4096 values, each summed in eight interleaved double accumulators: a single running
  // sum is one long chain of dependent additions (it was 30 % of a 2-rank VAE step, perf); eight
  // independent chains vectorise and pipeline. The order is fixed, so every rank gets the same norm.
  constexpr std::size_t block = 4096, lanes = 8;
  const std::size_t n = grads.extent(0), blocks = (n + block - 1) / block;
  double sum = 0;
  Kokkos::parallel_reduce(
      "tractable::global_norm", RangePolicy(0, blocks),
      KOKKOS_LAMBDA(const std::size_t b, double& acc) {
        const std::size_t begin = b * block, end = begin + block < n ? begin + block : n;
        double partial[lanes] = {0, 0, 0, 0, 0, 0, 0, 0};
        std::size_t i = begin;
        for (; i + lanes <= end; i += lanes)
          for (std::size_t l = 0; l < lanes; ++l) partial[l] += double(grads(i + l)) * double(grads(i + l));
        for (; i < end; ++i) partial[0] += double(grads(i)) * double(grads(i));
        double total = 0;
        for (std::size_t l = 0; l < lanes; ++l) total += partial[l];
        acc += total;
      },
      sum);
  return std::sqrt(sum);
}

namespace {
void scale_to(const Vector& grads, double norm, double max_norm) {
  if (max_norm > 0 && norm > max_norm && std::isfinite(norm)) {
    const Real scale = Real(max_norm / (norm + 1e-12));
    Kokkos::parallel_for(
        "tractable::clip_by_global_norm", RangePolicy(0, grads.extent(0)),
        KOKKOS_LAMBDA(const std::size_t i) { grads(i) *= scale; });
  }
}
}  // namespace

double clip_by_global_norm(const Vector& grads, double max_norm) {
  const double norm = global_norm(grads);
  scale_to(grads, norm, max_norm);
  return norm;
}

double clip_by_global_norm(const Vector& shard, double max_norm, const BatchReducer& ranks) {
  const double local = global_norm(shard);
  const double norm = std::sqrt(ranks.sum(local * local));
  scale_to(shard, norm, max_norm);
  return norm;
}

}  // namespace tractable
