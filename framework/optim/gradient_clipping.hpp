#pragma once
// Clipping by the global L2 norm, decided on the device. The step's squared
// gradient norm is reduced into a device scalar (a GradientGate) and the
// optimiser's update kernel reads it there: it scales the gradient by
// min(1, max_norm / norm) and leaves the parameters and its own state as they
// were when the norm is not finite. The host reads the norm only after the
// update is queued, so a GPU does not wait for a host decision between the
// backward pass and the update.
#include "core/batch_parallel.hpp"
#include "core/batch_reducer.hpp"
#include "core/types.hpp"

#include <limits>
#include <string>

namespace tractable {

struct GradientGate {
  Kokkos::View<double> squared_norm;  // [] the step's squared global gradient norm, before clipping (device)
  double max_norm = 0;                // 0: no clipping

  // Whether the update may happen: the norm is finite (NaN and +inf fail the comparison).
  KOKKOS_INLINE_FUNCTION bool open() const { return squared_norm() <= largest; }
  // The factor that brings the gradient's norm down to max_norm, or 1.
  KOKKOS_INLINE_FUNCTION Real scale() const {
    const double norm = kmath::sqrt(squared_norm());
    return max_norm > 0 && norm > max_norm ? Real(max_norm / (norm + 1e-12)) : Real(1);
  }

  static constexpr double largest = std::numeric_limits<double>::max();
};

// f(i, scale) for every i in [0, n), scale = gate.scale(), when the gate is open; nothing when it is
// closed: an optimiser's update. On the host the gate is read once per block of 4096 indices, so the
// inner loop has no exit and vectorises (with the check inside it the OpenMP build's Adam went from
// 7 % to 27 % of a VAE step); on a device each index reads it (one cached scalar).
template <class F>
void for_each_gated(const std::string& label, std::size_t n, const GradientGate& gate, const F& f) {
  if constexpr (kernels_run_on_host) {
    constexpr std::size_t block = 4096;
    // By reference, like every host launch (core/batch_parallel.hpp): it finishes before returning;
    // on the calling thread for a small model, like them.
    batch_parallel_detail::host_for(label, (n + block - 1) / block, n, [&](const std::size_t b) {
      if (!gate.open()) return;
      const Real scale = gate.scale();
      const std::size_t begin = b * block, end = begin + block < n ? begin + block : n;
      for (std::size_t i = begin; i < end; ++i) f(i, scale);
    });
  } else {
    // direct launch: the device side of this helper (one index per parameter).
    Kokkos::parallel_for(label, RangePolicy(0, n), KOKKOS_LAMBDA(const std::size_t i) {
      if (gate.open()) f(i, gate.scale());
    });
  }
}

// A gate that is always open and never clips (squared norm 0): for updates outside the training loop.
GradientGate open_gate();

// Global L2 norm of a flat buffer, read on the host (one reduction kernel).
double global_norm(const Vector& grads /*[P]*/);

// Queues the squared global norm of grads into gate.squared_norm (one reduction kernel; the host does not wait).
void queue_squared_norm(const Vector& grads /*[P]*/, const GradientGate& gate);
// The same when each rank holds one shard of the gradient: the squared norms are summed over `ranks`
// (one scalar all-reduce, which reads it on the host), so every rank's gate holds the same norm.
void queue_squared_norm(const Vector& shard /*[P_rank]*/, const GradientGate& gate, const BatchReducer& ranks);

// The norm in the gate, read on the host (waits for the queued work before it).
double read_norm(const GradientGate& gate);

}  // namespace tractable
