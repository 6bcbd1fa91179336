#pragma once
// Each step's training rows on this rank: its shard of the step's global batch
// (a seeded epoch permutation, so N ranks see what one rank sees), binarised
// afresh at every use under data.binarize = "dynamic" (draws keyed on
// (step, global row), so every rank count draws alike and a resume replays them).
#include "data/sharded_batcher.hpp"
#include "core/random.hpp"
#include "io/run_file.hpp"
#include "parallel/communicator.hpp"

#include <functional>

namespace tractable {

class DataBatches {
 public:
  DataBatches(const HostMatrix& train /*[N, D]*/, std::size_t global_batch, std::uint64_t seed,
              bool dynamic_binarization, const Communicator& comm);

  const Matrix& at(std::int64_t step);  // [B_local, D], valid until the next call
  // Hands `use` this rank's shard of the first global batch, then rewinds, so training
  // still starts with that batch (data-dependent initialisation).
  void with_first_batch(const std::function<void(const Matrix&)>& use);
  std::size_t first_global_row() const { return first_global_row_; }

  void save(Checkpoint& c) const;
  void restore(const Checkpoint& c);

 private:
  ShardedBatcher batcher_;
  std::size_t global_batch_, first_global_row_, dim_;
  bool binarize_;
  RandomStream binarize_stream_;
  Matrix binarized_;
};

}  // namespace tractable
