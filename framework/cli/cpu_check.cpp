// Before main and before every static constructor compiled for the build's vector level (constructor
// priority 101 runs first): a CPU without that level gets a message and exit 8, not SIGILL.
// Compiled for the baseline x86-64 (CMakeLists.txt); C only, like core/build_isa.cpp.
#include "core/build_isa.hpp"
#include "core/error.hpp"

#include <cstdio>
#include <cstdlib>
#include <unistd.h>

namespace {

__attribute__((constructor(101))) void refuse_a_cpu_without_the_build_level() {
  // TRACTABLE_FAULT_CPU_LEVEL (tests): pretend the CPU supports only this level.
  const char* pretend = std::getenv("TRACTABLE_FAULT_CPU_LEVEL");
  const char* refusal = tractable::build_isa_refusal(pretend ? pretend : tractable::cpu_isa_level());
  if (!refusal) return;
  std::fprintf(stderr, "tractable: error: %s\n", refusal);
  _exit(static_cast<int>(tractable::ExitCode::wrong_cpu));
}

}  // namespace
