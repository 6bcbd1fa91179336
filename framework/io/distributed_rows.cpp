#include "io/distributed_rows.hpp"

#include "core/error.hpp"
#include "io/hdf5_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unistd.h>

#include <hdf5.h>

#include <vector>

namespace tractable {

namespace {
void check(herr_t status, const std::string& what, const std::string& path) {
  if (status < 0) throw IoError(path + ": parallel HDF5 write failed (" + what + ")");
}
}  // namespace

RowWrite write_distributed_rows(const std::string& path, const std::string& object, const HostMatrix& local,
                                const Communicator& comm, RowWrite how, std::size_t collective_from_bytes,
                                const std::function<void(Hdf5File&)>& annotate) {
  const std::string partial = path + ".partial";
  const std::uint64_t cols = local.extent(1), mine = local.extent(0);
  std::uint64_t total = mine, offset = 0;
  if (comm.size() > 1) {
    // Row counts of every rank: the total and this rank's first row.
    std::vector<std::uint64_t> counts(static_cast<std::size_t>(comm.size()));
    MPI_Allgather(&mine, 1, MPI_UINT64_T, counts.data(), 1, MPI_UINT64_T, comm.handle());
    total = 0;
    for (int r = 0; r < comm.size(); ++r) {
      if (r < comm.rank()) offset += counts[static_cast<std::size_t>(r)];
      total += counts[static_cast<std::size_t>(r)];
    }
  }
  if (how == RowWrite::automatic)
    how = comm.size() > 1 && total * cols * sizeof(Real) >= collective_from_bytes ? RowWrite::collective : RowWrite::gather;
  if (how == RowWrite::gather || comm.size() == 1) {
    std::vector<double> flat(local.data(), local.data() + mine * cols);
    const auto all = comm.gather_to_root(flat);
    comm.write_on_root([&] {
      write_hdf5_durably(path, [&](Hdf5File& file) {
        file.write(object, std::vector<Real>(all.begin(), all.end()), {total, cols});
        if (annotate) annotate(file);
      });
    });
    return RowWrite::gather;
  }
  const hid_t access = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_fapl_mpio(access, comm.handle(), MPI_INFO_NULL);
  const hid_t file = H5Fcreate(partial.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access);
  H5Pclose(access);
  if (comm.any(file < 0)) {
    if (file >= 0) H5Fclose(file);
    IoError error(partial + ": cannot create the file for a parallel write (check the directory, its permissions "
                  "and free space); " + path + " is unchanged");
    error.set_on_all_ranks();
    throw error;
  }
  const hsize_t dims[2] = {total, cols}, start[2] = {offset, 0}, count[2] = {mine, cols};
  const hid_t space = H5Screate_simple(2, dims, nullptr);
  const hid_t set = H5Dcreate2(file, object.c_str(), h5_native_type<Real>(), space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  check(H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, count, nullptr), "hyperslab", path);
  const hid_t memory = H5Screate_simple(2, count, nullptr);
  const hid_t transfer = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_dxpl_mpio(transfer, H5FD_MPIO_COLLECTIVE);
  const herr_t written = H5Dwrite(set, h5_native_type<Real>(), memory, space, transfer, local.data());
  H5Pclose(transfer);
  H5Sclose(memory);
  H5Dclose(set);
  H5Sclose(space);
  const herr_t closed = H5Fclose(file);
  // All ranks agree whether the collective write held; then rank 0 annotates and renames it into place.
  const bool failed = comm.any(written < 0 || closed < 0);
  comm.write_on_root([&] {
    if (failed) {
      ::unlink(partial.c_str());
      throw IoError(partial + ": the parallel write failed (a full disk or a lost directory?); " + path + " is unchanged");
    }
    if (annotate) {
      Hdf5File file(partial, Hdf5File::Mode::read_write);
      annotate(file);
    }
    if (std::rename(partial.c_str(), path.c_str()) != 0) {
      const int error = errno;
      ::unlink(partial.c_str());
      throw IoError(partial + ": cannot rename into place: " + std::strerror(error));
    }
  });
  return RowWrite::collective;
}

}  // namespace tractable
