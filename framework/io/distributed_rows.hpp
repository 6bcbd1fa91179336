#pragma once
// One [rows, cols] array that the ranks hold in contiguous blocks (rank order
// = row order), written into a new HDF5 file in one of two ways:
//   gather:     MPI_Gatherv to rank 0, which writes it serially;
//   collective: parallel HDF5 (MPI-IO, H5FD_MPIO_COLLECTIVE), each rank its hyperslab.
// Measured on this machine with 2 ranks (docs/explanation/parallelism.md, "Parallel I/O";
// tests/bench/io_gather_vs_collective.cpp): gathering wins up to 8 MB
// (1.5–2.2× faster), the collective write from 34 MB on (3.7–4.3× faster), so
// `automatic` switches at 16 MiB.
#include "core/types.hpp"
#include "io/hdf5_file.hpp"
#include "parallel/communicator.hpp"

#include <functional>
#include <string>

namespace tractable {

enum class RowWrite { automatic, gather, collective };

// Replaces `path` with a file holding dataset `object` [Σ rows, cols] (and
// whatever `annotate`, run on rank 0, adds) and returns the strategy used. The
// file appears whole or not at all: written as `<path>.partial` and renamed; a
// failure (a full disk, a lost directory) is an IoError on every rank, with
// the partial file removed and any previous file kept.
RowWrite write_distributed_rows(const std::string& path, const std::string& object, const HostMatrix& local /*[rows_r, C]*/,
                                const Communicator& comm, RowWrite how = RowWrite::automatic,
                                std::size_t collective_from_bytes = std::size_t(1) << 24,
                                const std::function<void(Hdf5File&)>& annotate = {});

}  // namespace tractable
