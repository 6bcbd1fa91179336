#pragma once
// One [rows, cols] array that the ranks hold in contiguous blocks (rank order
// = row order), written into a new HDF5 file in one of two ways:
//   gather:     MPI_Gatherv to rank 0, which writes it serially;
//   collective: parallel HDF5 (MPI-IO, H5FD_MPIO_COLLECTIVE), each rank its hyperslab.
// Measured on this machine with 2 ranks (README, "Parallel I/O";
// tests/bench/io_gather_vs_collective.cpp): gathering wins up to 8 MB
// (1.5–2.2× faster), the collective write from 34 MB on (3.7–4.3× faster), so
// `automatic` switches at 16 MiB.
#include "core/types.hpp"
#include "parallel/communicator.hpp"

#include <string>

namespace tractable {

enum class RowWrite { automatic, gather, collective };

// Creates `path` (truncating) with dataset `object` [Σ rows, cols] and returns the strategy used.
RowWrite write_distributed_rows(const std::string& path, const std::string& object, const HostMatrix& local /*[rows_r, C]*/,
                                const Communicator& comm, RowWrite how = RowWrite::automatic,
                                std::size_t collective_from_bytes = std::size_t(1) << 24);

}  // namespace tractable
