#include "core/build_isa.hpp"

#include <cstdio>
#include <cstring>

namespace tractable {

namespace {

// Index in the x86-64 levels, -1 for anything else.
int level_rank(const char* level) {
  static const char* const levels[] = {"x86-64", "x86-64-v2", "x86-64-v3", "x86-64-v4"};
  for (int i = 0; i < 4; ++i)
    if (std::strcmp(level, levels[i]) == 0) return i;
  return -1;
}

}  // namespace

const char* build_isa() { return TRACTABLE_BUILD_ISA; }

const char* cpu_isa_level() {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12  // levels: GCC 12+
  __builtin_cpu_init();
  if (__builtin_cpu_supports("x86-64-v4")) return "x86-64-v4";
  if (__builtin_cpu_supports("x86-64-v3")) return "x86-64-v3";
  if (__builtin_cpu_supports("x86-64-v2")) return "x86-64-v2";
  return "x86-64";
#else
  return "";
#endif
}

const char* build_isa_refusal(const char* cpu_level) {
  const int built = level_rank(build_isa()), has = level_rank(cpu_level);
  if (built <= 0 || has < 0 || has >= built) return nullptr;  // a CPU whose level is unknown is not refused
  static char message[512];
  std::snprintf(message, sizeof(message),
                "this tractable was compiled for %s, and this CPU supports only %s (its instructions would "
                "crash here). Rebuild on this kind of machine (cmake -DTRACTABLE_SIMD=auto) or for both "
                "(cmake -DTRACTABLE_SIMD=%s); docs/explanation/numerics.md, vector width",
                build_isa(), cpu_level, cpu_level);
  return message;
}

}  // namespace tractable
