#pragma once
// Where a run came from: version, git revision, host, MPI size, Kokkos
// version and backend, BLAS, scalar type, start time and command line.
#include <nlohmann/json.hpp>

#include <string>

namespace tractable {

nlohmann::json collect_provenance(int mpi_size, const std::string& command_line);

}  // namespace tractable
