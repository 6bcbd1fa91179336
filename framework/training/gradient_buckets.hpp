#pragma once
// The gradient reduction of a data-parallel step in buckets, each started while
// the backward pass is still computing the gradients of earlier layers.
//
// A backward pass finishes the last layers first, and their parameters were
// reserved last: so buckets are runs of whole parameters from the end of the
// flat gradient buffer towards its start, each at least `bucket_bytes`. When a
// layer announces that its gradients are final (ParameterStore::gradient_ready),
// every bucket whose parameters are all final is reduce-scattered without
// blocking: each rank receives the sums of the part of the bucket that lies in
// its optimiser shard (one MPI_Ireduce to each rank whose shard the bucket
// touches; Open MPI 4.1's MPI_Ireduce_scatter measured slower still), so the
// shards are the ones one
// whole-buffer reduce-scatter gives and nothing downstream changes. finish()
// starts what no layer announced and waits. With one bucket (0, or a model
// smaller than a bucket) the reduction is the one blocking MPI_Reduce_scatter.
//
// Every rank starts the buckets in index order, whatever order its layers
// announce them in, so the collectives match across ranks. A parameter
// announced twice in one step (a layer applied twice) after its bucket left
// would have sent a stale gradient: that is detected, the whole buffer is then
// reduced again after the pass, and announcements are ignored for the rest of
// the run.
#include "core/parameter_store.hpp"
#include "parallel/communicator.hpp"

#include <cstddef>
#include <vector>

namespace tractable {

class GradientBuckets {
 public:
  // bucket_bytes 0: one bucket, the whole buffer (no overlap).
  GradientBuckets(const ParameterStore& store, const Communicator& comm, std::size_t bucket_bytes);

  // A step begins: `gradients` [n] are being computed, this rank's sums go to `shard` [end − begin].
  // `overlap` false: nothing starts before finish() (a fault is about to be injected into the gradients).
  void start_step(const Vector& gradients, const Vector& shard, bool overlap = true);
  // Parameter `id`'s gradient is final for this step; ignored outside a step.
  void ready(ParameterId id);
  // Starts the remaining buckets and waits for all: `shard` holds the summed gradients.
  void finish();

  std::size_t count() const { return buckets_.size(); }
  bool overlapping() const { return !disabled_ && buckets_.size() > 1; }

 private:
  struct Bucket {
    std::size_t begin = 0, end = 0;  // [begin, end) of the flat buffer
    std::size_t parameters = 0;      // whole parameters in it
    std::size_t unannounced = 0;     // of those, not yet announced this step
    struct Part {
      int rank;                      // whose shard
      std::size_t begin;             // first element of the flat buffer in it
      int count;                     // elements
    };
    std::vector<Part> parts;         // the bucket split by shard (ranks whose shard it touches)
    bool started = false;
  };
  void start(Bucket& bucket);
  void start_ready_buckets();

  const ParameterStore& store_;
  const Communicator& comm_;
  std::vector<Bucket> buckets_;                 // buckets_[0] holds the last parameters
  std::vector<std::size_t> bucket_of_;          // [parameters] bucket index of each parameter
  std::vector<char> announced_;                 // [parameters] this step
  std::vector<MPI_Request> requests_;
  std::size_t next_ = 0;                        // the next bucket to start (index order)
  std::size_t shard_begin_ = 0;                 // this rank's first element: its part of a bucket lands at
                                                // part.begin − shard_begin_ in its shard
  bool active_ = false, overlap_ = true, reused_ = false, disabled_ = false;
  Vector gradients_, shard_;
  decltype(Kokkos::create_mirror_view(Vector())) host_gradients_, host_shard_;
};

}  // namespace tractable
