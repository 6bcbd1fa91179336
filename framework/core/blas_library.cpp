#include "core/blas_library.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>
#include <utility>

namespace tractable {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

// A symbol of the library that provides sgemm_ (or of what it loads): several BLAS can be
// loaded at once (Debian's OpenBLAS liblapack.so.3 carries its own sgemm_, and LD_PRELOAD
// puts another in front), and the one that answers sgemm_ is the one that runs.
template <typename F>
F symbol(void* library, const char* name) {
  return reinterpret_cast<F>(dlsym(library ? library : RTLD_DEFAULT, name));
}

// The widest vector ISA a kernel of OpenBLAS (core names of its DYNAMIC_ARCH
// build) or BLIS (sub-configuration names) is written for.
std::string kernel_isa(const std::string& kernel) {
  static const std::map<std::string, std::string> isa = {
      {"skylakex", "avx512"}, {"cooperlake", "avx512"}, {"sapphirerapids", "avx512"}, {"skx", "avx512"},
      {"knl", "avx512"},      {"zen4", "avx512"},       {"zen5", "avx512"},           {"haswell", "avx2"},
      {"zen", "avx2"},        {"zen2", "avx2"},         {"zen3", "avx2"},             {"excavator", "avx2"},
      {"sandybridge", "avx"}, {"bulldozer", "avx"},     {"piledriver", "avx"},        {"steamroller", "avx"},
      {"prescott", "sse"},    {"core2", "sse"},         {"penryn", "sse"},            {"dunnington", "sse"},
      {"nehalem", "sse"},     {"atom", "sse"},          {"katmai", "sse"},            {"coppermine", "sse"},
      {"northwood", "sse"},   {"banias", "sse"},        {"opteron", "sse"},           {"opteron_sse3", "sse"},
      {"barcelona", "sse"},   {"bobcat", "sse"},        {"generic", "sse"}};
  const auto it = isa.find(lower(kernel));
  return it == isa.end() ? "unknown" : it->second;
}

int isa_rank(const std::string& isa) {
  if (isa == "avx512") return 3;
  if (isa == "avx2") return 2;
  if (isa == "avx") return 1;
  if (isa == "sse") return 0;
  return -1;
}

std::string cpu_isa() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  // OpenBLAS's SkylakeX kernels need F, BW, VL and DQ.
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
    return "avx512";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "avx2";
  if (__builtin_cpu_supports("avx")) return "avx";
  return "sse";
#else
  return "unknown";
#endif
}

// "model name", "vendor_id", "cpu family" and "model" of the first processor in /proc/cpuinfo.
std::map<std::string, std::string> cpuinfo() {
  std::map<std::string, std::string> fields;
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) break;  // the first processor only
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon), value = colon + 1 < line.size() ? line.substr(colon + 2) : "";
    key.erase(key.find_last_not_of(" \t") + 1);
    fields[key] = value;
  }
  return fields;
}

// The file that defines the sgemm_ the process calls, and a handle on it (null when unknown).
std::pair<std::string, void*> sgemm_provider() {
  void* sgemm = dlsym(RTLD_DEFAULT, "sgemm_");
  Dl_info info{};
  if (!sgemm || !dladdr(sgemm, &info) || !info.dli_fname) return {"", nullptr};
  void* handle = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
  char resolved[PATH_MAX];
  return {realpath(info.dli_fname, resolved) ? std::string(resolved) : std::string(info.dli_fname), handle};
}

// The provider of sgemm_, looked up once: its path and a handle kept for the process (the library is
// loaded for its lifetime anyway; RTLD_NOLOAD only takes a reference), so the later queries (the
// thread count in provenance and bench lines, the threading warning) take no reference of their own.
const std::pair<std::string, void*>& sgemm_library() {
  static const std::pair<std::string, void*> provider = sgemm_provider();
  return provider;
}

BlasLibrary read_blas_library() {
  BlasLibrary blas;
  blas.path = sgemm_library().first;
  void* library = sgemm_library().second;
  blas.name = "unknown";
  if (auto corename = symbol<char* (*)()>(library, "openblas_get_corename")) {
    blas.name = "OpenBLAS";
    blas.kernel = corename();
    if (auto config = symbol<char* (*)()>(library, "openblas_get_config")) {
      blas.config = config();
      // "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64"
      std::istringstream words(blas.config);
      std::string first, second;
      if (words >> first >> second && first == "OpenBLAS") blas.version = second;
    }
  } else if (auto arch_id = symbol<int (*)()>(library, "bli_arch_query_id")) {
    blas.name = "BLIS";
    if (auto arch_string = symbol<const char* (*)(int)>(library, "bli_arch_string")) blas.kernel = arch_string(arch_id());
    if (auto version = symbol<const char* (*)()>(library, "bli_info_get_version_str")) blas.version = version();
  }
  if (blas.name == "unknown" && blas.path.find("blis") != std::string::npos) {
    // Debian's BLIS libblas.so.3 hides the bli_* API; its libblis.so.4 beside it answers for the same dispatch.
    blas.name = "BLIS";
    const std::string dir = blas.path.substr(0, blas.path.find_last_of('/') + 1);
    if (void* blis = dlopen((dir + "libblis.so.4").c_str(), RTLD_LAZY | RTLD_LOCAL)) {
      auto arch_id = symbol<int (*)()>(blis, "bli_arch_query_id");
      auto arch_string = symbol<const char* (*)(int)>(blis, "bli_arch_string");
      auto version = symbol<const char* (*)()>(blis, "bli_info_get_version_str");
      if (arch_id && arch_string) blas.kernel = arch_string(arch_id());
      if (version) blas.version = version();
      dlclose(blis);
    }
  }
  blas.kernel_isa = blas.kernel.empty() ? "unknown" : kernel_isa(blas.kernel);
  auto cpu = cpuinfo();
  blas.cpu_model = cpu["model name"];
  blas.cpu_family_model = cpu["vendor_id"] + " family " + cpu["cpu family"] + " model " + cpu["model"];
  blas.cpu_isa = cpu_isa();
  if (blas.name == "OpenBLAS")
    blas.suggested_coretype =
        suggested_openblas_coretype(blas.kernel, blas.cpu_isa, cpu["vendor_id"] == "AuthenticAMD");
  return blas;
}

}  // namespace

std::string suggested_openblas_coretype(const std::string& kernel, const std::string& cpu_isa, bool amd_cpu) {
  const int kernel_rank = isa_rank(kernel_isa(kernel)), cpu_rank = isa_rank(cpu_isa);
  if (kernel_rank < 0 || cpu_rank <= kernel_rank) return "";
  if (cpu_isa == "avx512") return "SkylakeX";
  if (cpu_isa == "avx2") return amd_cpu ? "Zen" : "Haswell";
  return "Sandybridge";
}

const BlasLibrary& blas_library() {
  static const BlasLibrary blas = read_blas_library();
  return blas;
}

std::string blas_kernel_warning(const BlasLibrary& blas) {
  if (blas.suggested_coretype.empty()) return "";
  const char* forced = std::getenv("OPENBLAS_CORETYPE");
  return "tractable: warning: OpenBLAS " + blas.version + " runs its " + blas.kernel + " kernels (" + blas.kernel_isa +
         ") on a CPU with " + blas.cpu_isa + " (" + blas.cpu_model + ", " + blas.cpu_family_model +
         (forced ? std::string(", OPENBLAS_CORETYPE=") + forced + " set" : std::string()) +
         "): dense layers run " +
         // Measured on 512³ sgemm: SSE3 Prescott 18-26 against 63-117 GFLOP/s with SkylakeX on an Intel
         // Xeon; AVX2 Haswell 126 against 240 with SkylakeX on an AMD EPYC with AVX-512.
         (blas.kernel_isa == "sse" ? std::string("3-5x") : std::string("up to 2x")) +
         " slower than they could. Set OPENBLAS_CORETYPE=" + blas.suggested_coretype +
         " in the environment (or install libblis4 and select it with update-alternatives; docs/results/performance.md).";
}

int blas_threading_model() {
  auto parallel = symbol<int (*)()>(sgemm_library().second, "openblas_get_parallel");
  return parallel ? parallel() : -1;
}

std::string blas_threading_warning(int kokkos_threads) {
  if (kokkos_threads <= 1 || std::getenv("OPENBLAS_NUM_THREADS") || blas_threading_model() != 1) return "";
  return "warning: Kokkos runs " + std::to_string(kokkos_threads) +
         " OpenMP threads beside a pthread OpenBLAS, which therefore keeps 1 thread (the two thread pools take the "
         "cores from each other); for threaded GEMMs use the OpenMP OpenBLAS (Debian: libopenblas0-openmp; our "
         "CMake then finds it) or set OPENBLAS_NUM_THREADS to override.";
}

namespace {
int thread_budget = 0;  // > 1: large products split into this many parts

// xgemm_ of the library that answers sgemm_ (Fortran BLAS: column-major, arguments by address).
template <class Scalar>
using Xgemm = void (*)(const char*, const char*, const int*, const int*, const int*, const Scalar*, const Scalar*,
                       const int*, const Scalar*, const int*, const Scalar*, Scalar*, const int*);

// Row-major C = op(A) op(B) is column-major Cᵀ = op(B)ᵀ op(A)ᵀ, with each row-major matrix read as
// its column-major transpose: the same call KokkosBlas makes for LayoutRight views.
template <class Scalar>
void row_major_gemm(Xgemm<Scalar> xgemm, char op_a, char op_b, std::size_t m, std::size_t n, std::size_t k,
                    Scalar alpha, const Scalar* a, std::size_t lda, const Scalar* b, std::size_t ldb, Scalar beta,
                    Scalar* c, std::size_t ldc) {
  const int rows = int(m), cols = int(n), inner = int(k), la = int(lda), lb = int(ldb), lc = int(ldc);
  xgemm(&op_b, &op_a, &cols, &rows, &inner, &alpha, b, &lb, a, &la, &beta, c, &lc);
}
}  // namespace

void set_blas_thread_budget(int threads) {
  static const auto set_threads = symbol<void (*)(int)>(sgemm_library().second, "openblas_set_num_threads");
  thread_budget = set_threads && threads > 1 ? threads : 0;
  // With a budget the parts are the threads: each part's BLAS call runs on one.
  if (set_threads && threads > 0) set_threads(1);
}

int blas_parts_for(double multiply_adds) {
  return thread_budget > 1 && multiply_adds >= blas_parallel_multiply_adds ? thread_budget : 1;
}

void blas_gemm(char op_a, char op_b, std::size_t m, std::size_t n, std::size_t k, float alpha, const float* a,
               std::size_t lda, const float* b, std::size_t ldb, float beta, float* c, std::size_t ldc) {
  static const auto sgemm = symbol<Xgemm<float>>(sgemm_library().second, "sgemm_");
  row_major_gemm(sgemm, op_a, op_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void blas_gemm(char op_a, char op_b, std::size_t m, std::size_t n, std::size_t k, double alpha, const double* a,
               std::size_t lda, const double* b, std::size_t ldb, double beta, double* c, std::size_t ldc) {
  static const auto dgemm = symbol<Xgemm<double>>(sgemm_library().second, "dgemm_");
  row_major_gemm(dgemm, op_a, op_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

int blas_threads() { return thread_budget > 1 ? thread_budget : blas_threads_in_use(); }

int blas_threads_in_use() {
  void* library = sgemm_library().second;
  if (auto openblas = symbol<int (*)()>(library, "openblas_get_num_threads")) return openblas();
  if (auto blis = symbol<long (*)()>(library, "bli_thread_get_num_threads")) return int(blis());
  return 0;
}

}  // namespace tractable
