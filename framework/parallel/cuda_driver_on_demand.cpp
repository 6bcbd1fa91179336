// The CUDA driver functions Kokkos calls, reached through the CUDA runtime when first called, so a CUDA
// build does not name libcuda.so.1 among the libraries the loader must find before main().
//
// Why: Kokkos links the driver library (CUDA::cuda_driver) for the three calls below. Without it — a login
// node, a CPU node, a container started without the NVIDIA runtime — the loader stops the program before
// main() with "libcuda.so.1: cannot open shared object file" (exit 127), so neither `tractable --version`
// nor the orchestration commands (sweep, status, collect) run there, and a computing command cannot say
// what is wrong. Built only for CUDA Kokkos; CMakeLists.txt puts this library in place of CUDA::cuda_driver
// in Kokkos::CUDA's link interface. The functions come from cudaGetDriverEntryPointByVersion, the runtime's
// documented way to reach the driver (it loads libcuda itself), at the ABI of the toolkit compiled against.
// Runtime (parallel/runtime.cpp) refuses to start Kokkos without a device, so these run only where the
// driver is. A Kokkos that calls another driver function fails to link, naming it: add it here.
#include <cuda.h>
#include <cuda_runtime_api.h>

namespace {

template <class Function>
Function driver_function(const char* name) {
  void* function = nullptr;
  cudaDriverEntryPointQueryResult found = cudaDriverEntryPointSymbolNotFound;
  if (cudaGetDriverEntryPointByVersion(name, &function, CUDA_VERSION, cudaEnableDefault, &found) != cudaSuccess ||
      found != cudaDriverEntryPointSuccess)
    return nullptr;
  return reinterpret_cast<Function>(function);
}

}  // namespace

// cuda.h declares these extern "C" and maps cuCtxPushCurrent to its versioned symbol cuCtxPushCurrent_v2.
CUresult CUDAAPI cuCtxGetDevice(CUdevice* device) {
  static const auto call = driver_function<decltype(&cuCtxGetDevice)>("cuCtxGetDevice");
  return call ? call(device) : CUDA_ERROR_NOT_FOUND;
}

CUresult CUDAAPI cuCtxPushCurrent(CUcontext context) {
  static const auto call = driver_function<decltype(&cuCtxPushCurrent)>("cuCtxPushCurrent");
  return call ? call(context) : CUDA_ERROR_NOT_FOUND;
}

CUresult CUDAAPI cuStreamGetCtx(CUstream stream, CUcontext* context) {
  static const auto call = driver_function<decltype(&cuStreamGetCtx)>("cuStreamGetCtx");
  return call ? call(stream, context) : CUDA_ERROR_NOT_FOUND;
}
