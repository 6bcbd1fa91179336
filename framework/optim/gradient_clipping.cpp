#include "optim/gradient_clipping.hpp"

#include <cmath>
#include <type_traits>

namespace tractable {

namespace {
// On the host: blocks of 4096 values, each summed in 32 interleaved double accumulators. A single
// running sum is one long chain of dependent additions (it was 30 % of a 2-rank VAE step, perf); eight
// chains filled one 512-bit register, whose additions still waited on each other: 425,000 gradients
// took 122 µs on one thread, 32 (four registers) take 52 µs, and 64 no less. On a device: a value per
// work item (blocks would give a GPU only P / 4096 threads, each holding 32 partial sums). The order
// is fixed for a given build and size, so every rank gets the same norm.
template <class Result>
void reduce_squares(const Vector& grads /*[P]*/, Result& result) {
  const std::size_t n = grads.extent(0);
  if constexpr (!kernels_run_on_host) {
    // direct launch: one parameter per work item, the device side of the host's blocks below.
    Kokkos::parallel_reduce(
        "tractable::global_norm", RangePolicy(0, n),
        KOKKOS_LAMBDA(const std::size_t i, double& acc) { acc += double(grads(i)) * double(grads(i)); }, result);
  } else {
    constexpr std::size_t block = 4096, lanes = 32;
    const std::size_t blocks = (n + block - 1) / block;
    const auto block_sum = KOKKOS_LAMBDA(const std::size_t b, double& acc) {
      const std::size_t begin = b * block, end = begin + block < n ? begin + block : n;
      double partial[lanes] = {};
      std::size_t i = begin;
      for (; i + lanes <= end; i += lanes)
        for (std::size_t l = 0; l < lanes; ++l) partial[l] += double(grads(i + l)) * double(grads(i + l));
      for (; i < end; ++i) partial[0] += double(grads(i)) * double(grads(i));
      double total = 0;
      for (std::size_t l = 0; l < lanes; ++l) total += partial[l];
      acc += total;
    };
    if (batch_parallel_detail::runs_inline(n)) {  // a small model: on the calling thread, in block order
      double sum = 0;
      for (std::size_t b = 0; b < blocks; ++b) block_sum(b, sum);
      if constexpr (std::is_arithmetic<Result>::value)
        result = sum;
      else
        result() = sum;
      return;
    }
    // direct launch: blocks of parameters; the small-model rule above is the helpers' own.
    Kokkos::parallel_reduce("tractable::global_norm", RangePolicy(0, blocks), block_sum, result);
  }
}
}  // namespace

GradientGate open_gate() { return GradientGate{Kokkos::View<double>("tractable::open_gate"), 0.0}; }

double global_norm(const Vector& grads) {
  double sum = 0;
  reduce_squares(grads, sum);
  return std::sqrt(sum);
}

void queue_squared_norm(const Vector& grads, const GradientGate& gate) {
  Kokkos::View<double> result = gate.squared_norm;  // a view result: the reduction does not fence
  reduce_squares(grads, result);
}

void queue_squared_norm(const Vector& shard, const GradientGate& gate, const BatchReducer& ranks) {
  double local = 0;
  reduce_squares(shard, local);
  Kokkos::deep_copy(gate.squared_norm, ranks.sum(local));
}

double read_norm(const GradientGate& gate) {
  double squared = 0;
  Kokkos::deep_copy(squared, gate.squared_norm);
  return std::sqrt(squared);
}

}  // namespace tractable
