#pragma once
// The one place MPI and Kokkos are started and stopped: MPI first (so Kokkos
// can see the rank when picking a device), finalised in reverse order. A GPU build where no GPU is throws
// Error(no_device) before either starts.
namespace tractable {

class Runtime {
 public:
  Runtime(int& argc, char**& argv);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;
};

}  // namespace tractable
