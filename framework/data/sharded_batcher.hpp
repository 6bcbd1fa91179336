#pragma once
// Draws global mini-batches from a dataset in a seeded, epoch-wise shuffled
// order and hands each rank its contiguous share. Every rank computes the same
// permutation, so N ranks see exactly the rows one rank would see with the
// same global batch, in the same order. The position (epoch, cursor) is the
// whole state; the permutation of an epoch is a function of (seed, epoch).
#include "core/types.hpp"

#include <cstdint>
#include <vector>

namespace tractable {

class ShardedBatcher {
 public:
  ShardedBatcher(const HostMatrix& rows /*[N, D]*/, std::size_t global_batch, std::uint64_t seed, int rank,
                 int size);

  // This rank's shard of the next global batch, on the device: [local, D].
  const Matrix& next();

  std::size_t global_batch() const { return global_batch_; }
  std::size_t local_batch() const { return end_ - begin_; }
  std::int64_t epoch() const { return epoch_; }
  std::size_t cursor() const { return cursor_; }
  void set_position(std::int64_t epoch, std::size_t cursor);

 private:
  void shuffle_for_epoch();

  HostMatrix rows_;
  std::size_t global_batch_;
  std::uint64_t seed_;
  std::size_t begin_, end_;  // this rank's slice of each global batch
  std::int64_t epoch_ = 0;
  std::size_t cursor_ = 0;
  std::vector<std::size_t> order_;
  // Where the rows are gathered: the batch itself when kernels run on the host (no copy), else
  // page-locked host memory, copied to the device once per step at full bus speed (a pageable
  // buffer is staged by the driver through a pinned one: two copies and a synchronisation).
#if defined(KOKKOS_ENABLE_CUDA)
  using StagingSpace = Kokkos::CudaHostPinnedSpace;
#else
  using StagingSpace = Kokkos::HostSpace;
#endif
  Kokkos::View<Real**, Kokkos::LayoutRight, StagingSpace> staging_;  // [local, D]
  Matrix batch_;                                                      // [local, D]
};

}  // namespace tractable
