#include "parallel/runtime.hpp"

#include <Kokkos_Core.hpp>
#include <mpi.h>

namespace tractable {

Runtime::Runtime(int& argc, char**& argv) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  }
  // Errors in MPI calls come back as codes and are reported by our wrappers.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  Kokkos::initialize(argc, argv);
}

Runtime::~Runtime() {
  Kokkos::finalize();
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

}  // namespace tractable
