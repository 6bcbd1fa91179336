// Measures the two ways N ranks can put one per-example array into an HDF5
// file: gather to rank 0 (MPI_Gatherv) and one serial write, or a collective
// parallel-HDF5 write with each rank its hyperslab (MPI-IO, H5FD_MPIO_COLLECTIVE).
// Sizes from per-example evaluations (10^4 doubles) to large sample sets
// (1.7·10^7 doubles = 134 MB). Alternating repeats, medians of the slowest
// rank's time; the file is flushed to disk in both modes.
//   mpiexec -n 2 build/tests/tractable_io_bench [repeats] [directory]
#include <hdf5.h>
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

void fsync_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

double gather_then_write(const std::string& path, const std::vector<double>& local, std::size_t total, int rank, int size) {
  MPI_Barrier(MPI_COMM_WORLD);
  const double start = MPI_Wtime();
  const int count = static_cast<int>(local.size());
  std::vector<int> counts(size), displacements(size);
  MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::vector<double> all(rank == 0 ? total : 0);
  for (int r = 1; r < size && rank == 0; ++r) displacements[r] = displacements[r - 1] + counts[r - 1];
  MPI_Gatherv(local.data(), count, MPI_DOUBLE, all.data(), counts.data(), displacements.data(), MPI_DOUBLE, 0, MPI_COMM_WORLD);
  if (rank == 0) {
    const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const hsize_t dims[1] = {total};
    const hid_t space = H5Screate_simple(1, dims, nullptr);
    const hid_t set = H5Dcreate2(file, "/values", H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, all.data());
    H5Dclose(set);
    H5Sclose(space);
    H5Fclose(file);
    fsync_file(path);
  }
  double elapsed = MPI_Wtime() - start, slowest = 0;
  MPI_Allreduce(&elapsed, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return slowest;
}

double collective_write(const std::string& path, const std::vector<double>& local, std::size_t offset, std::size_t total) {
  MPI_Barrier(MPI_COMM_WORLD);
  const double start = MPI_Wtime();
  const hid_t access = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_fapl_mpio(access, MPI_COMM_WORLD, MPI_INFO_NULL);
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access);
  const hsize_t dims[1] = {total};
  const hid_t space = H5Screate_simple(1, dims, nullptr);
  const hid_t set = H5Dcreate2(file, "/values", H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  const hsize_t start_row[1] = {offset}, count[1] = {local.size()};
  H5Sselect_hyperslab(space, H5S_SELECT_SET, start_row, nullptr, count, nullptr);
  const hid_t memory = H5Screate_simple(1, count, nullptr);
  const hid_t transfer = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_dxpl_mpio(transfer, H5FD_MPIO_COLLECTIVE);
  H5Dwrite(set, H5T_NATIVE_DOUBLE, memory, space, transfer, local.data());
  H5Pclose(transfer);
  H5Sclose(memory);
  H5Dclose(set);
  H5Sclose(space);
  H5Fflush(file, H5F_SCOPE_GLOBAL);
  H5Fclose(file);
  H5Pclose(access);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank == 0) fsync_file(path);
  double elapsed = MPI_Wtime() - start, slowest = 0;
  MPI_Allreduce(&elapsed, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return slowest;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 5;
  const std::string dir = argc > 2 ? argv[2] : ".";
  const std::string path = dir + "/tractable_io_bench.h5";
  if (rank == 0) std::printf("ranks %d, repeats %d, file %s\n", size, repeats, path.c_str());
  for (const std::size_t total : {std::size_t(10000), std::size_t(1) << 17, std::size_t(1) << 20, std::size_t(1) << 22,
                                  std::size_t(1) << 23, std::size_t(1) << 24}) {
    const std::size_t begin = total * rank / size, end = total * (rank + 1) / size;
    std::vector<double> local(end - begin);
    for (std::size_t i = 0; i < local.size(); ++i) local[i] = double(begin + i) * 0.5;
    std::vector<double> gather, collective;
    for (int r = 0; r < repeats; ++r) {
      gather.push_back(gather_then_write(path, local, total, rank, size));
      collective.push_back(collective_write(path, local, begin, total));
    }
    if (rank == 0)
      std::printf("{\"doubles\": %zu, \"megabytes\": %.2f, \"gather_then_write_s\": %.5f, \"collective_s\": %.5f, "
                  "\"collective_over_gather\": %.2f}\n",
                  total, double(total) * 8 / 1e6, median(gather), median(collective), median(collective) / median(gather));
  }
  if (rank == 0) std::remove(path.c_str());
  MPI_Finalize();
  return 0;
}
