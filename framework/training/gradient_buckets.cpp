#include "training/gradient_buckets.hpp"

#include "core/error.hpp"

#include <algorithm>

namespace tractable {

GradientBuckets::GradientBuckets(const ParameterStore& store, const Communicator& comm, std::size_t bucket_bytes)
    : store_(store), comm_(comm), shard_begin_(comm.shard(store.size()).first) {
  const auto& table = store.table();
  bucket_of_.resize(table.size());
  announced_.resize(table.size());
  const std::size_t n = store.size();
  std::vector<std::pair<std::size_t, std::size_t>> shards;
  for (int r = 0; r < comm.size(); ++r) shards.push_back(Communicator::shard_of(n, r, comm.size()));
  auto close = [&](std::size_t begin, std::size_t end, std::size_t parameters) {
    Bucket b;
    b.begin = begin;
    b.end = end;
    b.parameters = parameters;
    for (int r = 0; r < comm.size(); ++r) {
      const std::size_t lo = std::max(begin, shards[r].first), hi = std::min(end, shards[r].second);
      if (hi > lo) b.parts.push_back({r, lo, static_cast<int>(hi - lo)});
    }
    buckets_.push_back(std::move(b));
  };
  // From the last parameter to the first (the order a backward pass finishes them), whole parameters.
  std::size_t end = n, parameters = 0;
  for (std::size_t k = table.size(); k-- > 0;) {
    bucket_of_[k] = buckets_.size();
    ++parameters;
    const std::size_t begin = table[k].offset;
    if (bucket_bytes > 0 && (end - begin) * sizeof(Real) >= bucket_bytes && k > 0) {
      close(begin, end, parameters);
      end = begin;
      parameters = 0;
    }
  }
  if (parameters > 0 || buckets_.empty()) close(0, end, parameters);
}

void GradientBuckets::start_step(const Vector& gradients, const Vector& shard, bool overlap) {
  require(!active_ && requests_.empty(), "GradientBuckets: a step started before the last one finished");
  require(gradients.extent(0) == store_.size(), "GradientBuckets: gradient buffer of the wrong length");
  gradients_ = gradients;
  shard_ = shard;
  // Host mirrors: the same memory on host backends; on a device, a bucket is copied out when it starts.
  if (host_gradients_.extent(0) != gradients.extent(0)) host_gradients_ = Kokkos::create_mirror_view(gradients);
  if (host_shard_.extent(0) != shard.extent(0)) host_shard_ = Kokkos::create_mirror_view(shard);
  for (std::size_t k = 0; k < announced_.size(); ++k) announced_[k] = 0;
  for (auto& b : buckets_) {
    b.started = false;
    b.unannounced = b.parameters;
  }
  next_ = 0;
  reused_ = false;
  overlap_ = overlap && !disabled_;
  active_ = true;
}

void GradientBuckets::start(Bucket& b) {
  if (b.end > b.begin) {
    const auto range = std::make_pair(b.begin, b.end);
    Kokkos::deep_copy(Kokkos::subview(host_gradients_, range), Kokkos::subview(gradients_, range));
  }
  for (const auto& part : b.parts) {
    // Only the root's receive buffer is read: this rank's part lands at its place in the shard.
    Real* recv = host_shard_.data() + (part.rank == comm_.rank() ? part.begin - shard_begin_ : 0);
    requests_.push_back(comm_.start_reduce_sum(host_gradients_.data() + part.begin, recv, part.count, part.rank));
  }
  b.started = true;
}

void GradientBuckets::start_ready_buckets() {
  while (next_ < buckets_.size() && buckets_[next_].unannounced == 0) start(buckets_[next_++]);
  comm_.progress(requests_);
}

void GradientBuckets::ready(ParameterId id) {
  if (!active_ || disabled_) return;
  require(id < announced_.size(), "GradientBuckets: unknown parameter");
  Bucket& b = buckets_[bucket_of_[id]];
  if (announced_[id]) {
    // Applied twice in one step: its gradient changed after it was announced.
    if (b.started) reused_ = true;
    return;
  }
  announced_[id] = 1;
  --b.unannounced;
  if (overlap_) start_ready_buckets();
}

void GradientBuckets::finish() {
  require(active_, "GradientBuckets: finish() without start_step()");
  Kokkos::fence();  // the backward pass's last kernels have written the gradients
  if (buckets_.size() == 1) {  // nothing to overlap: the one blocking reduce-scatter
    active_ = false;
    comm_.reduce_scatter_sum(gradients_, shard_);
    return;
  }
  while (next_ < buckets_.size()) start(buckets_[next_++]);
  comm_.finish_all(requests_);
  active_ = false;
  if (reused_) {
    // A bucket left with a gradient that was still changing: reduce the final buffer whole, and stop
    // listening (every rank sees the same announcements, so all of them take this branch together).
    disabled_ = true;
    comm_.reduce_scatter_sum(gradients_, shard_);
    return;
  }
  Kokkos::deep_copy(shard_, host_shard_);
}

}  // namespace tractable
