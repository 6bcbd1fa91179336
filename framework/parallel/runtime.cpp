#include "parallel/runtime.hpp"

#include "core/blas_library.hpp"
#include "core/error.hpp"
#include "core/subnormals.hpp"

#include <Kokkos_Core.hpp>
#include <dlfcn.h>
#include <mpi.h>
#ifdef KOKKOS_ENABLE_CUDA
#include <cuda_runtime_api.h>
#endif

#include <cstdlib>
#include <stdlib.h>  // setenv (POSIX)
#include <cstring>
#include <set>
#include <string>
#include <vector>

namespace tractable {

namespace {
// The products get the threads Kokkos's host space runs: one under Serial (the parallelism is in the
// ranks; a threaded BLAS under every rank oversubscribes the cores), OMP_NUM_THREADS under OpenMP,
// where core/gemm.hpp runs a large product in one part per thread, each a single-threaded call of
// the OpenMP OpenBLAS. A pthread OpenBLAS beside OpenMP threads gets one thread and no parts (the
// two pools would take the cores from each other; blas_threading_warning says so).
// OPENBLAS_NUM_THREADS is the user's choice (the library's own split), and so is OMP_NUM_THREADS
// under Serial.
void match_blas_threads_to_kokkos() {
  if (std::getenv("OPENBLAS_NUM_THREADS")) return;
  const int kokkos_threads = Kokkos::DefaultHostExecutionSpace().concurrency();
  if (kokkos_threads == 1 && std::getenv("OMP_NUM_THREADS")) return;
  set_blas_thread_budget(kokkos_threads > 1 && blas_threading_model() == 2 ? kokkos_threads : 1);
}

// A process started without a launcher (no mpirun, srun or PMIx server: `tractable info RUN.h5` at a
// prompt, a run of `sweep --local`) is an MPI singleton: OpenMPI starts its own local daemon, and PMIx
// picks its security plugin for that local connection. With Slurm's munge installed but its daemon not
// running, PMIx's munge plugin retries the socket for about 2.2 s before falling back, on every
// command (measured here: `tractable schema` 2.6 s against 0.37 s). A singleton talks only to its own
// daemon, so the native plugin (credentials of the local socket) is the right one; under a launcher the
// launcher's choice stands, and so does PMIX_MCA_psec when the user set it.
void prefer_native_security_for_singletons() {
  for (const char* launched : {"PMIX_NAMESPACE", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(launched)) return;
  setenv("PMIX_MCA_psec", "native", /*overwrite=*/0);
}

// A build whose kernels run on a GPU, started where there is none (a login or CPU node, a container without
// the NVIDIA runtime, CUDA_VISIBLE_DEVICES empty): one clear sentence and exit 12 instead of Kokkos's abort
// trace. Asked of the CUDA runtime, which loads the driver itself (parallel/cuda_driver_on_demand.cpp).
void require_the_device_the_kernels_run_on() {
#ifdef KOKKOS_ENABLE_CUDA
  int devices = 0;
  const cudaError_t status = cudaGetDeviceCount(&devices);
  if (status == cudaSuccess && devices > 0) return;
  std::string reason = status == cudaSuccess ? "the CUDA runtime sees 0 devices (CUDA_VISIBLE_DEVICES?)"
                                             : cudaGetErrorString(status);
  // The runtime answers "driver version is insufficient" also when there is no driver at all: say which.
  if (status == cudaErrorInsufficientDriver) {
    if (void* driver = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL)) {
      int driver_version = 0, runtime_version = 0;
      cudaDriverGetVersion(&driver_version);
      cudaRuntimeGetVersion(&runtime_version);
      reason += " (driver " + std::to_string(driver_version) + ", runtime " + std::to_string(runtime_version) + ")";
      dlclose(driver);
    } else {
      reason = "no NVIDIA driver: libcuda.so.1 cannot be loaded";
    }
  }
  throw Error(ExitCode::no_device,
              std::string("this build runs its kernels on NVIDIA GPUs (Kokkos ") +
                  Kokkos::DefaultExecutionSpace::name() + ") and finds none it can use here: " + reason +
                  ". Run it where a GPU is (a GPU node, e.g. srun --gpus-per-task=1), or use a build for CPUs; "
                  "`tractable --version` names a build's backends");
#endif
}

bool is_help(const char* arg) { return std::strcmp(arg, "--help") == 0 || std::strcmp(arg, "-h") == 0; }

// Kokkos::initialize without our --help/-h: Kokkos reads an unprefixed --help as its own and prints its
// 45 lines of options before every command's usage. `--kokkos-help` still shows them. Kokkos removes the
// --kokkos-* options it consumed; the rest, and the help flags, stay in argv in their order.
void initialize_kokkos(int& argc, char**& argv) {
  std::vector<char*> for_kokkos;
  for (int i = 0; i < argc; ++i)
    if (i == 0 || !is_help(argv[i])) for_kokkos.push_back(argv[i]);
  int kokkos_argc = static_cast<int>(for_kokkos.size());
  for_kokkos.push_back(nullptr);
  char** kokkos_argv = for_kokkos.data();
  Kokkos::initialize(kokkos_argc, kokkos_argv);
  const std::set<char*> left(kokkos_argv, kokkos_argv + kokkos_argc);
  int n = 0;
  for (int i = 0; i < argc; ++i)
    if ((i > 0 && is_help(argv[i])) || left.count(argv[i])) argv[n++] = argv[i];
  argc = n;
  argv[n] = nullptr;
}
}  // namespace

Runtime::Runtime(int& argc, char**& argv) {
  // Before MPI, Kokkos or the BLAS start a thread: threads inherit the mode of the thread
  // that creates them (core/subnormals.hpp). A spec with training.subnormals = ieee resets it.
  require_the_device_the_kernels_run_on();  // before MPI: nothing to finalise when it throws
  set_thread_subnormal_mode(SubnormalMode::flush);
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    prefer_native_security_for_singletons();
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  }
  // Errors in MPI calls come back as codes and are reported by our wrappers.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  initialize_kokkos(argc, argv);
  match_blas_threads_to_kokkos();
}

Runtime::~Runtime() {
  Kokkos::finalize();
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

}  // namespace tractable
