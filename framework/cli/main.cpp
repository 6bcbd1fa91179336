// tractable: train and evaluate normalizing flows and VAEs from JSON specs.
#include "cli/command_registry.hpp"
#include "core/batch_parallel.hpp"
#include "core/blas_library.hpp"
#include "core/build_isa.hpp"
#include "core/durable_file.hpp"
#include "core/error.hpp"
#include "experiment/runner.hpp"
#include "parallel/runtime.hpp"
#include "tractable_revision.hpp"  // generated at build time

#include <KokkosKernels_config.h>
#include <Kokkos_Core.hpp>

#include <boost/program_options/errors.hpp>

#include <algorithm>
#include <iostream>
#include <optional>

using namespace tractable;

namespace {

// sweep, status, collect and reproduce launch and read runs; they start neither MPI nor Kokkos, so
// their children (each a `tractable run`, possibly under mpiexec) start cleanly.
int orchestration_main(const cli::Command& command, const cli::Arguments& args) {
  try {
    return command.orchestrate(args);
  } catch (const Error& e) {
    std::cerr << "tractable " << command.name << ": error: " << e.what() << std::endl;
    return static_cast<int>(e.code());
  } catch (const boost::program_options::error& e) {
    std::cerr << "tractable " << command.name << ": " << e.what() << " (see tractable " << command.name << " --help)"
              << std::endl;
    return static_cast<int>(ExitCode::usage);
  } catch (const std::exception& e) {
    std::cerr << "tractable " << command.name << ": internal error: " << e.what() << std::endl;
    return static_cast<int>(ExitCode::internal);
  }
}

// What the dense layers' KokkosBlas::gemm reaches: the host BLAS that answers sgemm_ at run time, or
// in a device build the vendor library KokkosKernels was built with (no host BLAS serves a step there).
std::string dense_layer_blas() {
  if constexpr (!kernels_run_on_host) {
#if defined(KOKKOSKERNELS_ENABLE_TPL_CUBLAS)
    return "cuBLAS (KokkosKernels' TPL), on the device";
#elif defined(KOKKOSKERNELS_ENABLE_TPL_ROCBLAS)
    return "rocBLAS (KokkosKernels' TPL), on the device";
#else
    return "KokkosKernels' own kernels, on the device";
#endif
  }
  const BlasLibrary& blas = blas_library();
  return blas.name + (blas.version.empty() ? "" : " " + blas.version) +
         (blas.kernel.empty() ? "" : " (kernel " + blas.kernel + ")") + ": " + blas.path;
}

// `tractable --version`: what this binary is, read without starting MPI or Kokkos (so it answers on
// a login node, and from a CUDA build on a machine without a GPU).
void print_version() {
  std::string backends;
  auto add = [&](const char* name) { backends += (backends.empty() ? "" : ", ") + std::string(name); };
#ifdef KOKKOS_ENABLE_SERIAL
  add("Serial");
#endif
#ifdef KOKKOS_ENABLE_OPENMP
  add("OpenMP");
#endif
#ifdef KOKKOS_ENABLE_THREADS
  add("Threads");
#endif
#ifdef KOKKOS_ENABLE_CUDA
  add("Cuda");
#endif
#ifdef KOKKOS_ENABLE_HIP
  add("HIP");
#endif
  std::cout << "tractable " << TRACTABLE_VERSION << " (git " << TRACTABLE_GIT_REVISION << ")\n"
            << "kokkos " << KOKKOS_VERSION / 10000 << "." << KOKKOS_VERSION / 100 % 100 << "." << KOKKOS_VERSION % 100
            << ": backends " << backends << "; kernels run on " << Kokkos::DefaultExecutionSpace::name() << "\n"
            << "blas " << dense_layer_blas() << "\n"
            << "build " << build_isa() << " on a " << cpu_isa_level() << " CPU (" << blas_library().cpu_model << "), "
            << (sizeof(void*) == 8 ? "64-bit" : "32-bit") << "; the CLI trains in fp32\n";
}

}  // namespace

int main(int argc, char** argv) {
  report_file_size_limit_as_error();  // ulimit -f: EFBIG, an IoError, rather than SIGXFSZ
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "--version" || command == "version") {
    print_version();
    return 0;
  }
  const cli::Command* entry = cli::find_command(command);
  if (entry && entry->kind == cli::CommandKind::orchestrates)
    return orchestration_main(*entry, cli::Arguments(argv + 2, argv + argc));
  if (entry && entry->stop_signals) install_stop_signal_handlers();
  std::optional<Runtime> runtime;
  try {
    runtime.emplace(argc, argv);
  } catch (const Error& e) {  // a GPU build without a GPU (exit 12): MPI and Kokkos were not started
    std::cerr << "tractable: error: " << e.what() << std::endl;
    return static_cast<int>(e.code());
  }
  Communicator comm;
  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);
  const cli::Arguments args(argv + std::min(argc, 2), argv + argc);
  int code = 0;
  bool agreed = false;  // every rank threw the same error together
  // The machine's warnings before a command computes; a command's --help shows its usage first (on a CPU
  // that OpenBLAS 0.3.21 does not know, the kernel warning came before every usage line).
  const bool asks_for_help = std::find_if(argv + std::min(argc, 2), argv + argc, [](const char* a) {
                               return std::string(a) == "--help" || std::string(a) == "-h";
                             }) != argv + argc;
  if (entry && entry->kind == cli::CommandKind::computes && comm.is_root() && !asks_for_help) {
    for (const std::string& warning : {blas_kernel_warning(blas_library()),
                                       blas_threading_warning(Kokkos::DefaultHostExecutionSpace().concurrency())})
      if (!warning.empty()) std::cerr << warning << std::endl;
  }
  try {
    if (entry) {
      code = entry->run(args, comm, command_line);
    } else if (command == "--help" || command == "-h" || command == "help") {
      if (comm.is_root()) std::cout << cli::usage_text();
    } else {
      if (comm.is_root())
        std::cerr << (command.empty() ? "tractable: missing command" : "tractable: unknown command '" + command + "'")
                  << "\n\n" << cli::usage_text();
      code = static_cast<int>(ExitCode::usage);
    }
  } catch (const Error& e) {
    code = static_cast<int>(e.code());
    agreed = e.on_all_ranks();
    if (!agreed || comm.is_root())
      std::cerr << "tractable: " << (e.code() == ExitCode::simulations_pending ? "waiting" : "error")  // not a failure
                << (comm.size() > 1 && !agreed ? " [rank " + std::to_string(comm.rank()) + "]" : "") << ": " << e.what()
                << std::endl;
  } catch (const boost::program_options::error& e) {
    code = static_cast<int>(ExitCode::usage);
    std::cerr << "tractable " << command << ": " << e.what() << " (see tractable " << command << " --help)" << std::endl;
  } catch (const std::exception& e) {
    code = static_cast<int>(ExitCode::internal);
    std::cerr << "tractable: internal error: " << e.what() << std::endl;
  }
  // A failure on one rank must not leave the others waiting in a collective.
  // (Not for a requeue: every rank reached that exit together.)
  if (code != 0 && code != static_cast<int>(ExitCode::requeue) && !agreed && comm.size() > 1)
    MPI_Abort(MPI_COMM_WORLD, code);
  return code;
}
