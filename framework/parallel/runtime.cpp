#include "parallel/runtime.hpp"

#include "core/subnormals.hpp"

#include <Kokkos_Core.hpp>
#include <dlfcn.h>
#include <mpi.h>

#include <cstdlib>

namespace tractable {

namespace {
// Parallelism comes from MPI ranks (and Kokkos' own threads); a threaded BLAS
// under every rank oversubscribes the cores and makes results depend on the
// thread count. So: one BLAS thread per rank unless the user chose otherwise.
// dlsym, because libblas.so.3 may be a BLAS without this OpenBLAS extension.
void single_threaded_blas_by_default() {
  if (std::getenv("OPENBLAS_NUM_THREADS") || std::getenv("OMP_NUM_THREADS")) return;
  using SetThreads = void (*)(int);
  if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(1);
}
}  // namespace

Runtime::Runtime(int& argc, char**& argv) {
  // Before MPI, Kokkos or the BLAS start a thread: threads inherit the mode of the thread
  // that creates them (core/subnormals.hpp). A spec with training.subnormals = ieee resets it.
  set_thread_subnormal_mode(SubnormalMode::flush);
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  }
  // Errors in MPI calls come back as codes and are reported by our wrappers.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  Kokkos::initialize(argc, argv);
  single_threaded_blas_by_default();
}

Runtime::~Runtime() {
  Kokkos::finalize();
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

}  // namespace tractable
