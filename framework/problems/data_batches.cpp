#include "problems/data_batches.hpp"

#include "data/mnist.hpp"

namespace tractable {

DataBatches::DataBatches(const HostMatrix& train, std::size_t global_batch, std::uint64_t seed,
                         bool dynamic_binarization, const Communicator& comm)
    : batcher_(train, global_batch, seed, comm.rank(), comm.size()),
      global_batch_(global_batch),
      first_global_row_(comm.shard(global_batch).first),
      dim_(train.extent(1)),
      binarize_(dynamic_binarization),
      binarize_stream_(seed, 0, Stream::binarize) {}

const Matrix& DataBatches::at(std::int64_t step) {
  if (!binarize_) return batcher_.next();
  binarize_at(batcher_.next(), binarized_, binarize_stream_,
              (std::uint64_t(step) * global_batch_ + first_global_row_) * dim_);
  return binarized_;
}

void DataBatches::with_first_batch(const std::function<void(const Matrix&)>& use) {
  use(batcher_.next());
  batcher_.set_position(0, 0);
}

void DataBatches::save(Checkpoint& c) const {
  c.data_epoch = batcher_.epoch();
  c.data_cursor = batcher_.cursor();
}

void DataBatches::restore(const Checkpoint& c) { batcher_.set_position(c.data_epoch, c.data_cursor); }

}  // namespace tractable
