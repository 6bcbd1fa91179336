#include "data/sharded_batcher.hpp"

#include "core/error.hpp"
#include "core/random.hpp"
#include "parallel/communicator.hpp"

#include <numeric>
#include <tuple>

namespace tractable {

ShardedBatcher::ShardedBatcher(const HostMatrix& rows, std::size_t global_batch, std::uint64_t seed, int rank,
                               int size)
    : rows_(rows), global_batch_(global_batch), seed_(seed) {
  if (global_batch == 0 || global_batch > rows.extent(0))
    throw DataError("batch size " + std::to_string(global_batch) + " must be between 1 and the number of training rows (" +
                    std::to_string(rows.extent(0)) + ")");
  std::tie(begin_, end_) = Communicator::shard_of(global_batch, rank, size);
  batch_ = Matrix("tractable::ShardedBatcher::batch", end_ - begin_, rows.extent(1));
  if constexpr (Kokkos::SpaceAccessibility<Kokkos::HostSpace, MemSpace>::accessible)
    staging_ = decltype(staging_)(batch_.data(), batch_.extent(0), batch_.extent(1));  // the batch itself
  else
    staging_ = decltype(staging_)("tractable::ShardedBatcher::staging", end_ - begin_, rows.extent(1));
  shuffle_for_epoch();
}

void ShardedBatcher::shuffle_for_epoch() {
  order_.resize(rows_.extent(0));
  std::iota(order_.begin(), order_.end(), 0);
  RandomStream stream(seed_ + 0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(epoch_ + 1), 0, Stream::data);
  for (std::size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[stream.below(i)]);
}

void ShardedBatcher::set_position(std::int64_t epoch, std::size_t cursor) {
  // Any cursor up to N is a position next() can continue from: a cursor in an epoch's incomplete tail (fewer
  // than global_batch rows left) starts the next epoch, exactly as it would have without the checkpoint.
  require(cursor <= rows_.extent(0), "ShardedBatcher: bad position");
  epoch_ = epoch;
  cursor_ = cursor;
  shuffle_for_epoch();
}

const Matrix& ShardedBatcher::next() {
  // Drop the incomplete tail of an epoch, so every step has exactly global_batch rows.
  if (cursor_ + global_batch_ > rows_.extent(0)) {
    ++epoch_;
    cursor_ = 0;
    shuffle_for_epoch();
  }
  for (std::size_t k = begin_; k < end_; ++k) {
    const std::size_t row = order_[cursor_ + k];
    for (std::size_t j = 0; j < rows_.extent(1); ++j) staging_(k - begin_, j) = rows_(row, j);
  }
  cursor_ += global_batch_;
  if (staging_.data() != batch_.data()) Kokkos::deep_copy(batch_, staging_);
  return batch_;
}

}  // namespace tractable
