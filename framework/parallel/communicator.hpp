#pragma once
// Data-parallel collectives over MPI_COMM_WORLD. Device buffers go through a
// host mirror (a no-op on host backends), so the code needs no CUDA-aware MPI.
#include "core/batch_reducer.hpp"
#include "core/types.hpp"

#include <mpi.h>

#include <functional>
#include <string>
#include <vector>

namespace tractable {

class Communicator : public BatchReducer {
 public:
  // MPI_COMM_WORLD by default; MPI_COMM_SELF gives a one-rank run inside an MPI job.
  explicit Communicator(MPI_Comm comm = MPI_COMM_WORLD);
  MPI_Comm handle() const { return comm_; }
  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_root() const { return rank_ == 0; }

  // In place, element-wise sum over ranks: one MPI_Allreduce.
  void allreduce_sum(const Vector& buffer /*[n]*/) const;
  double allreduce_sum(double value) const;
  double allreduce_max(double value) const;
  // BatchReducer: the same sums, for layers that know nothing of MPI.
  void sum(const Vector& buffer) const override { allreduce_sum(buffer); }
  double sum(double value) const override { return allreduce_sum(value); }
  // The element-wise sum over ranks of `buffer` [n], each rank receiving only its shard(n) of it in
  // `shard` [end − begin]: one MPI_Reduce_scatter, half the traffic of an all-reduce.
  void reduce_scatter_sum(const Vector& buffer /*[n]*/, const Vector& shard /*[end - begin]*/) const;
  // Nonblocking sum over ranks of `count` values of host memory at `send`, into `recv` on `root` (ignored
  // elsewhere): MPI_Ireduce. Both buffers must outlive the request; every rank starts these in the same
  // order. finish_all() completes them; progress() lets MPI move them along (no progress thread is
  // assumed) and returns whether all are done.
  MPI_Request start_reduce_sum(const Real* send, Real* recv, int count, int root) const;
  bool progress(std::vector<MPI_Request>& requests) const;
  void finish_all(std::vector<MPI_Request>& requests) const;
  // Every rank's shard(n) of `buffer` [n] to every rank, in place: one MPI_Allgatherv.
  void allgather_shards(const Vector& buffer /*[n]*/) const;
  // Root's contents overwrite everyone else's.
  void broadcast(const Vector& buffer /*[n]*/, int root = 0) const;
  void broadcast(std::string& text, int root = 0) const;
  // Rank order concatenation of every rank's `local` on the root (empty elsewhere): one MPI_Gatherv.
  // Shards are contiguous in rank order, so this is the global order.
  std::vector<double> gather_to_root(const std::vector<double>& local) const;
  // The same concatenation on every rank: one MPI_Allgatherv.
  std::vector<double> all_gather(const std::vector<double>& local) const;
  // Everyone learns whether any rank passed true (used to agree on failure).
  bool any(bool flag) const;
  // File I/O done by rank 0 alone (a run file's creation, a commit): every rank
  // learns whether it failed, and then every rank throws the same IoError
  // (marked on_all_ranks, exit 5), so none is left waiting or aborted.
  void write_on_root(const std::function<void()>& write) const;
  void barrier() const;

  // This rank's contiguous share [begin, end) of n items split as evenly as
  // possible (the first n % size ranks get one more).
  std::pair<std::size_t, std::size_t> shard(std::size_t n) const { return shard_of(n, rank_, size_); }
  static std::pair<std::size_t, std::size_t> shard_of(std::size_t n, int rank, int size);

 private:
  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
};

// A one-rank communicator (MPI_COMM_SELF) for work that never spans ranks:
// evaluating or sampling a saved run, unit tests.
const Communicator& single_rank();

}  // namespace tractable
