#pragma once
// Where a run came from: version, git revision, host, MPI size, Kokkos
// version and backend, BLAS (library, version, the kernel it runs, the CPU's
// vector ISA), the subnormal mode asked for and the one the kernels and the
// BLAS were observed to run in, scalar type, start time and command line.
#include <nlohmann/json.hpp>

#include <string>

namespace tractable {

nlohmann::json collect_provenance(int mpi_size, const std::string& command_line, const std::string& subnormals);

}  // namespace tractable
