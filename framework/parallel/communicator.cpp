#include "parallel/communicator.hpp"

#include "core/error.hpp"

#include <type_traits>

namespace tractable {

namespace {
MPI_Datatype real_type() { return std::is_same<Real, double>::value ? MPI_DOUBLE : MPI_FLOAT; }

void check(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char message[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, message, &length);
  throw Error(ExitCode::internal, std::string(what) + " failed: " + std::string(message, length));
}
}  // namespace

Communicator::Communicator(MPI_Comm comm) : comm_(comm) {
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
}

void Communicator::allreduce_sum(const Vector& buffer) const {
  if (size_ == 1) return;
  auto host = Kokkos::create_mirror_view(buffer);
  Kokkos::deep_copy(host, buffer);
  check(MPI_Allreduce(MPI_IN_PLACE, host.data(), static_cast<int>(host.extent(0)), real_type(), MPI_SUM,
                      comm_),
        "MPI_Allreduce");
  Kokkos::deep_copy(buffer, host);
}

namespace {
// Counts and displacements of shard_of(n, r, size) for every rank r, as MPI wants them.
void shard_layout(std::size_t n, int size, std::vector<int>& counts, std::vector<int>& displacements) {
  counts.resize(size);
  displacements.resize(size);
  for (int r = 0; r < size; ++r) {
    const auto [begin, end] = Communicator::shard_of(n, r, size);
    displacements[r] = static_cast<int>(begin);
    counts[r] = static_cast<int>(end - begin);
  }
}
}  // namespace

void Communicator::reduce_scatter_sum(const Vector& buffer, const Vector& shard) const {
  const auto [begin, end] = this->shard(buffer.extent(0));
  require(shard.extent(0) == end - begin, "reduce_scatter_sum: the shard buffer has the wrong length");
  if (size_ == 1) {
    Kokkos::deep_copy(shard, buffer);
    return;
  }
  std::vector<int> counts, displacements;
  shard_layout(buffer.extent(0), size_, counts, displacements);
  auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), buffer);
  auto mine = Kokkos::create_mirror_view(shard);
  check(MPI_Reduce_scatter(host.data(), mine.data(), counts.data(), real_type(), MPI_SUM, comm_),
        "MPI_Reduce_scatter");
  Kokkos::deep_copy(shard, mine);
}

MPI_Request Communicator::start_reduce_sum(const Real* send, Real* recv, int count, int root) const {
  MPI_Request request = MPI_REQUEST_NULL;
  check(MPI_Ireduce(send, rank_ == root ? recv : nullptr, count, real_type(), MPI_SUM, root, comm_, &request),
        "MPI_Ireduce");
  return request;
}

bool Communicator::progress(std::vector<MPI_Request>& requests) const {
  int done = 1;
  if (!requests.empty())
    check(MPI_Testall(static_cast<int>(requests.size()), requests.data(), &done, MPI_STATUSES_IGNORE), "MPI_Testall");
  return done != 0;
}

void Communicator::finish_all(std::vector<MPI_Request>& requests) const {
  if (!requests.empty())
    check(MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE), "MPI_Waitall");
  requests.clear();
}

void Communicator::allgather_shards(const Vector& buffer) const {
  if (size_ == 1) return;
  std::vector<int> counts, displacements;
  shard_layout(buffer.extent(0), size_, counts, displacements);
  auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), buffer);
  check(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, host.data(), counts.data(), displacements.data(),
                       real_type(), comm_),
        "MPI_Allgatherv");
  Kokkos::deep_copy(buffer, host);
}

double Communicator::allreduce_sum(double value) const {
  double out = value;
  if (size_ > 1) check(MPI_Allreduce(&value, &out, 1, MPI_DOUBLE, MPI_SUM, comm_), "MPI_Allreduce");
  return out;
}

std::vector<double> Communicator::gather_to_root(const std::vector<double>& local) const {
  if (size_ == 1) return local;
  const int count = static_cast<int>(local.size());
  std::vector<int> counts(is_root() ? size_ : 0), displacements(is_root() ? size_ : 0);
  check(MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, comm_), "MPI_Gather");
  std::vector<double> all;
  if (is_root()) {
    int total = 0;
    for (int r = 0; r < size_; ++r) {
      displacements[r] = total;
      total += counts[r];
    }
    all.resize(static_cast<std::size_t>(total));
  }
  check(MPI_Gatherv(local.data(), count, MPI_DOUBLE, all.data(), counts.data(), displacements.data(), MPI_DOUBLE, 0, comm_),
        "MPI_Gatherv");
  return all;
}

std::vector<double> Communicator::all_gather(const std::vector<double>& local) const {
  if (size_ == 1) return local;
  const int count = static_cast<int>(local.size());
  std::vector<int> counts(size_), displacements(size_);
  check(MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, comm_), "MPI_Allgather");
  int total = 0;
  for (int r = 0; r < size_; ++r) {
    displacements[r] = total;
    total += counts[r];
  }
  std::vector<double> all(static_cast<std::size_t>(total));
  check(MPI_Allgatherv(local.data(), count, MPI_DOUBLE, all.data(), counts.data(), displacements.data(), MPI_DOUBLE,
                       comm_),
        "MPI_Allgatherv");
  return all;
}

double Communicator::allreduce_max(double value) const {
  double out = value;
  if (size_ > 1) check(MPI_Allreduce(&value, &out, 1, MPI_DOUBLE, MPI_MAX, comm_), "MPI_Allreduce");
  return out;
}

void Communicator::broadcast(const Vector& buffer, int root) const {
  if (size_ == 1) return;
  auto host = Kokkos::create_mirror_view(buffer);
  Kokkos::deep_copy(host, buffer);
  check(MPI_Bcast(host.data(), static_cast<int>(host.extent(0)), real_type(), root, comm_), "MPI_Bcast");
  Kokkos::deep_copy(buffer, host);
}

void Communicator::broadcast(std::string& text, int root) const {
  if (size_ == 1) return;
  unsigned long long length = text.size();
  check(MPI_Bcast(&length, 1, MPI_UNSIGNED_LONG_LONG, root, comm_), "MPI_Bcast");
  text.resize(length);
  check(MPI_Bcast(text.data(), static_cast<int>(length), MPI_CHAR, root, comm_), "MPI_Bcast");
}

bool Communicator::any(bool flag) const {
  int local = flag ? 1 : 0, global = local;
  if (size_ > 1) check(MPI_Allreduce(&local, &global, 1, MPI_INT, MPI_MAX, comm_), "MPI_Allreduce");
  return global != 0;
}

void Communicator::barrier() const {
  if (size_ > 1) check(MPI_Barrier(comm_), "MPI_Barrier");
}

const Communicator& single_rank() {
  static const Communicator self(MPI_COMM_SELF);
  return self;
}

std::pair<std::size_t, std::size_t> Communicator::shard_of(std::size_t n, int rank, int size) {
  const std::size_t r = static_cast<std::size_t>(rank), s = static_cast<std::size_t>(size);
  const std::size_t base = n / s, extra = n % s;
  const std::size_t begin = r * base + std::min(r, extra);
  return {begin, begin + base + (r < extra ? 1 : 0)};
}

void Communicator::write_on_root(const std::function<void()>& write) const {
  std::string failure;
  if (is_root()) {
    try {
      write();
    } catch (const IoError& e) {
      failure = e.what();
    }
  }
  if (size_ > 1) broadcast(failure);
  if (failure.empty()) return;
  IoError error(is_root() ? failure : "rank 0 could not write: " + failure);
  error.set_on_all_ranks();
  throw error;
}

}  // namespace tractable
