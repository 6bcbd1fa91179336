// What the machine does to the numbers: the subnormal mode kernels and the
// BLAS run in, and which BLAS kernel runs. Checked by observation (a subnormal
// product and a gemm over subnormal inputs), not by reading back a register.
#include "core/batch_parallel.hpp"
#include "gradient_check.hpp"

#include "core/blas_library.hpp"
#include "core/build_isa.hpp"
#include "core/gemm.hpp"
#include "core/subnormals.hpp"
#include "core/types.hpp"

#include <KokkosBlas3_gemm.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

using namespace tractable;

namespace {
// The sum of a matrix product's entries, to check what a gemm does with subnormal inputs.
double gemm_total(Real a_value, Real b_value) {
  Matrix a("test::a", 64, 64), b("test::b", 64, 64), c("test::c", 64, 64);
  Kokkos::deep_copy(a, a_value);
  Kokkos::deep_copy(b, b_value);
  KokkosBlas::gemm("N", "N", Real(1), a, b, Real(0), c);
  auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), c);
  double total = 0;
  for (std::size_t i = 0; i < 64; ++i)
    for (std::size_t j = 0; j < 64; ++j) total += double(host(i, j));
  return total;
}
}  // namespace

TEST_CASE("subnormals: flushed by default in kernels and the BLAS; ieee on request, and back", "[machine]") {
#if defined(__x86_64__) || defined(__aarch64__)
  // The test main starts the framework's Runtime, as the CLI does: flush is the default. The mode is a
  // CPU register: kernels on a GPU keep IEEE subnormals in fp64 whatever the host sets (provenance
  // records what was observed).
  const std::string flushed_kernels = kernels_run_on_host ? "flush" : "ieee";
  const auto start = observe_subnormal_mode();
  CHECK(start.kernels == flushed_kernels);
  if (kernels_run_on_host) CHECK(start.blas == "flush");  // cuBLAS keeps fp64 subnormals
  // A subnormal input times 2^(digits-1) is the smallest normal number unless it reads as zero.
  const Real factor = std::ldexp(Real(1), std::numeric_limits<Real>::digits - 1);
  if (kernels_run_on_host) CHECK(gemm_total(std::numeric_limits<Real>::denorm_min(), factor) == 0.0);

  set_subnormal_mode(SubnormalMode::ieee);
  const auto ieee = observe_subnormal_mode();
  CHECK(ieee.kernels == "ieee");
  CHECK(ieee.blas == "ieee");
  CHECK(gemm_total(std::numeric_limits<Real>::denorm_min(), factor) ==
        Approx(64.0 * 64 * 64 * double(std::numeric_limits<Real>::min())).epsilon(1e-12));

  set_subnormal_mode(SubnormalMode::flush);
  CHECK(observe_subnormal_mode().kernels == flushed_kernels);
  if (kernels_run_on_host) CHECK(observe_subnormal_mode().blas == "flush");
#else
  WARN("no subnormal switch on this architecture: kernels stay IEEE");
  CHECK(observe_subnormal_mode().kernels == "ieee");
#endif
  CHECK(parse_subnormal_mode("ieee") == SubnormalMode::ieee);
  CHECK_THROWS_AS(parse_subnormal_mode("denormal"), std::invalid_argument);
}

TEST_CASE("blas: the library, its kernel and the CPU's vector ISA are read; a narrower kernel is named", "[machine]") {
  const BlasLibrary& blas = blas_library();
  CHECK_FALSE(blas.path.empty());  // the object that defines sgemm_
  INFO("BLAS " << blas.name << " " << blas.version << " kernel " << blas.kernel << " on " << blas.cpu_model << " ("
               << blas.cpu_isa << ")");
  if (blas.name == "OpenBLAS") {
    CHECK_FALSE(blas.kernel.empty());
    CHECK_FALSE(blas.version.empty());
    CHECK(blas.config.find("OpenBLAS") == 0);
  }
#if defined(__x86_64__)
  CHECK((blas.cpu_isa == "sse" || blas.cpu_isa == "avx" || blas.cpu_isa == "avx2" || blas.cpu_isa == "avx512"));
#endif
  // The advice: the widest kernel the CPU can run, only when a narrower one runs.
  CHECK(suggested_openblas_coretype("Prescott", "avx512", false) == "SkylakeX");  // the Xeon of issue 17
  CHECK(suggested_openblas_coretype("Haswell", "avx512", false) == "SkylakeX");
  CHECK(suggested_openblas_coretype("Prescott", "avx2", false) == "Haswell");
  CHECK(suggested_openblas_coretype("Prescott", "avx2", true) == "Zen");
  CHECK(suggested_openblas_coretype("Nehalem", "avx", false) == "Sandybridge");
  CHECK(suggested_openblas_coretype("Zen", "avx2", true).empty());
  CHECK(suggested_openblas_coretype("SkylakeX", "avx512", false).empty());
  CHECK(suggested_openblas_coretype("Haswell", "avx2", false).empty());
  CHECK(suggested_openblas_coretype("SomeFutureCore", "avx512", false).empty());  // unknown: no advice
  if (blas.name == "OpenBLAS")
    CHECK(blas.suggested_coretype ==
          suggested_openblas_coretype(blas.kernel, blas.cpu_isa, blas.cpu_family_model.find("AuthenticAMD") == 0));
  // The warning, on made-up facts: Prescott (SSE3) on an AVX-512 Xeon names SkylakeX ...
  BlasLibrary generic = blas;
  generic.name = "OpenBLAS";
  generic.version = "0.3.21";
  generic.kernel = "Prescott";
  generic.kernel_isa = "sse";
  generic.cpu_isa = "avx512";
  generic.suggested_coretype = suggested_openblas_coretype("Prescott", "avx512", false);
  CHECK_THAT(blas_kernel_warning(generic), Catch::Contains("OPENBLAS_CORETYPE=SkylakeX") && Catch::Contains("Prescott") &&
                                               Catch::Contains("3-5x slower"));
  // ... and the AVX2 kernel on the same CPU loses less (126 against 240 GFLOP/s measured), and says so.
  BlasLibrary avx2 = generic;
  avx2.kernel = "Haswell";
  avx2.kernel_isa = "avx2";
  avx2.suggested_coretype = suggested_openblas_coretype("Haswell", "avx512", false);
  CHECK_THAT(blas_kernel_warning(avx2), Catch::Contains("OPENBLAS_CORETYPE=SkylakeX") && Catch::Contains("up to 2x slower"));
  // ... and a machine whose kernel matches its CPU gets no warning.
  if (blas.suggested_coretype.empty()) CHECK(blas_kernel_warning(blas).empty());
}

TEST_CASE("split products: a large host product runs in parts, by rows or columns, within a dot product's bound",
          "[machine]") {
  if (!kernels_run_on_host || blas_library().name != "OpenBLAS") {
    WARN("not checked: the split is the host's, with OpenBLAS (openblas_set_num_threads)");
    return;
  }
  const int before = blas_threads();
  // C = 1.5 · op(A) op(B) + 0.5 · C, every op pair, against the same product in double on the host.
  const auto product = [](char ta, char tb, std::size_t m, std::size_t n, std::size_t k) {
    Matrix a("test::a", ta == 'N' ? m : k, ta == 'N' ? k : m), b("test::b", tb == 'N' ? k : n, tb == 'N' ? n : k),
        c("test::c", m, n);
    auto ha = Kokkos::create_mirror_view(a);
    auto hb = Kokkos::create_mirror_view(b);
    auto hc = Kokkos::create_mirror_view(c);
    for (std::size_t i = 0; i < ha.extent(0); ++i)
      for (std::size_t l = 0; l < ha.extent(1); ++l) ha(i, l) = Real(std::sin(0.37 * double(i) + 0.11 * double(l)));
    for (std::size_t l = 0; l < hb.extent(0); ++l)
      for (std::size_t j = 0; j < hb.extent(1); ++j) hb(l, j) = Real(std::cos(0.23 * double(l) - 0.07 * double(j)));
    const auto initial_c = [](std::size_t i, std::size_t j) { return Real(0.01 * double(i) - 0.02 * double(j)); };
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) hc(i, j) = initial_c(i, j);  // hc may be c itself (host memory)
    Kokkos::deep_copy(a, ha);
    Kokkos::deep_copy(b, hb);
    Kokkos::deep_copy(c, hc);
    const char op_a[2] = {ta, 0}, op_b[2] = {tb, 0};
    gemm(op_a, op_b, Real(1.5), a, b, Real(0.5), c);
    auto result = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), c);
    // The standard bound of a k-term dot product: |error| <= (k + 2) · eps · (1.5 Σ|a||b| + 0.5 |c|).
    double worst = 0;
    for (std::size_t i = 0; i < m; i += 3)
      for (std::size_t j = 0; j < n; j += 5) {
        double exact = 0, magnitude = 0;
        for (std::size_t l = 0; l < k; ++l) {
          const double x = ta == 'N' ? ha(i, l) : ha(l, i), y = tb == 'N' ? hb(l, j) : hb(j, l);
          exact += x * y;
          magnitude += std::abs(x * y);
        }
        exact = 1.5 * exact + 0.5 * double(initial_c(i, j));
        magnitude = 1.5 * magnitude + 0.5 * std::abs(double(initial_c(i, j)));
        worst = std::max(worst, std::abs(double(result(i, j)) - exact) /
                                    (double(k + 2) * std::numeric_limits<Real>::epsilon() * magnitude));
      }
    CHECK(worst <= 1.0);
  };
  set_blas_thread_budget(2);
  CHECK(blas_threads() == 2);        // provenance names the budget
  CHECK(blas_threads_in_use() == 1);  // and each part's call runs on one thread
  CHECK(blas_parts_for(64.0 * 64 * 64) == 1);  // 0.26 M multiply-adds: on the calling thread
  CHECK(blas_parts_for(256.0 * 256 * 256) == 2);
  // C is split along its longer side: 151 × 100 × 203 (3.1 M) by rows, 100 × 201 × 157 (3.2 M) and
  // 13 × 1000 × 300 (3.9 M) by columns, the first two into uneven parts; split and whole both meet the
  // bound (the kernel at a part's edge may round the last bits differently).
  for (const auto& [m, n, k] :
       {std::tuple<std::size_t, std::size_t, std::size_t>{151, 100, 203}, {100, 201, 157}, {13, 1000, 300}})
    for (const char ta : {'N', 'T'})
      for (const char tb : {'N', 'T'}) {
        INFO("op(A) " << ta << ", op(B) " << tb << ", " << m << " x " << n << " x " << k);
        set_blas_thread_budget(2);
        REQUIRE(blas_parts_for(double(m) * double(n) * double(k)) == 2);
        product(ta, tb, m, n, k);
        set_blas_thread_budget(0);  // no budget: one KokkosBlas::gemm call
        product(ta, tb, m, n, k);
      }
  set_blas_thread_budget(before);
}

TEST_CASE("build level: the x86-64 level compiled for, the CPU's own, and the refusal of a narrower CPU", "[machine]") {
  const std::string built = build_isa(), cpu = cpu_isa_level();
  const std::vector<std::string> levels = {"x86-64", "x86-64-v2", "x86-64-v3", "x86-64-v4"};
  auto rank = [&](const std::string& level) {
    return int(std::find(levels.begin(), levels.end(), level) - levels.begin());
  };
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
  REQUIRE(rank(built) < 4);
  REQUIRE(rank(cpu) < 4);
  CHECK(rank(built) <= rank(cpu));  // this test runs, so the CPU has the build's level
  // The CPU's level agrees with the kernel's own account of its features.
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line, flags;
  while (std::getline(cpuinfo, line))
    if (line.rfind("flags", 0) == 0) {
      flags = " " + line.substr(line.find(':') + 1) + " ";
      break;
    }
  auto has = [&](const char* flag) { return flags.find(" " + std::string(flag) + " ") != std::string::npos; };
  if (!flags.empty()) {
    const bool v4 = has("avx512f") && has("avx512bw") && has("avx512cd") && has("avx512dq") && has("avx512vl");
    CHECK((rank(cpu) == 3) == (v4 && has("avx2")));
    if (!has("avx2") || !has("fma")) CHECK(rank(cpu) < 2);
  }
#endif
  // Any level at or above the build's runs it; one below is refused, naming both levels and the option.
  for (const auto& level : levels) {
    const char* refusal = build_isa_refusal(level.c_str());
    if (built.empty() || rank(level) >= rank(built)) {
      CHECK(refusal == nullptr);
    } else {
      REQUIRE(refusal != nullptr);
      CHECK_THAT(refusal, Catch::Contains("compiled for " + built) && Catch::Contains("supports only " + level + " ") &&
                              Catch::Contains("-DTRACTABLE_SIMD=" + level));
    }
  }
  CHECK(build_isa_refusal("not-a-level") == nullptr);  // a CPU whose level cannot be read is not refused
}
