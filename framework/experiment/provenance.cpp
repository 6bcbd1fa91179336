#include "experiment/provenance.hpp"

#include "core/blas_library.hpp"
#include "core/build_isa.hpp"
#include "core/subnormals.hpp"
#include "core/types.hpp"
#include "tractable_revision.hpp"  // generated at build time

#include <ctime>
#include <sched.h>
#include <thread>
#include <filesystem>
#include <unistd.h>

namespace tractable {

namespace {
// The cores this process may run on (its affinity mask: mpirun --map-by … :pe=N, taskset, Slurm).
int available_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return CPU_COUNT(&set);
  return int(std::thread::hardware_concurrency());
}
}  // namespace

nlohmann::json collect_provenance(int mpi_size, const std::string& command_line, const std::string& subnormals) {
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  std::time_t now = std::time(nullptr);
  char when[64];
  std::strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  std::string blas = "libblas.so.3 (unresolved)";
  std::error_code ec;
  // Debian's alternatives link says which BLAS KokkosBlas::gemm reaches on the host.
  for (const char* link : {"/etc/alternatives/libblas.so.3-x86_64-linux-gnu", "/etc/alternatives/libblas.so.3"}) {
    auto target = std::filesystem::read_symlink(link, ec);
    if (!ec) {
      blas = target.string();
      break;
    }
  }
  const ObservedSubnormalMode observed = observe_subnormal_mode();
  return {
      {"version", TRACTABLE_VERSION},
      {"git_revision", TRACTABLE_GIT_REVISION},
      {"host", std::string(host)},
      {"mpi_size", mpi_size},
      {"kokkos_version", std::to_string(KOKKOS_VERSION / 10000) + "." + std::to_string(KOKKOS_VERSION / 100 % 100) +
                             "." + std::to_string(KOKKOS_VERSION % 100)},
      {"kokkos_backend", std::string(ExecSpace::name())},
      // Threads per rank (any count works, more than the cores too: then they share them), the
      // cores this process may run on, and the BLAS's own threads.
      {"kokkos_threads", ExecSpace().concurrency()},
      {"cpu_cores", available_cores()},
      {"blas_threads", blas_threads()},
      {"blas", blas},
      {"scalar", sizeof(Real) == 4 ? "float32" : "float64"},
      {"blas_path", blas_library().path},
      {"blas_library", blas_library().name},
      {"blas_version", blas_library().version},
      {"blas_kernel", blas_library().kernel},
      {"blas_config", blas_library().config},
      {"cpu_model", blas_library().cpu_model},
      {"cpu_family_model", blas_library().cpu_family_model},
      {"cpu_isa", blas_library().cpu_isa},
      {"build_isa", std::string(build_isa())},
      {"cpu_level", std::string(cpu_isa_level())},
      {"subnormals", subnormals},
      {"subnormals_kernels", observed.kernels},
      {"subnormals_blas", observed.blas},
      {"start_time", std::string(when)},
      {"command_line", command_line},
  };
}

}  // namespace tractable
