#pragma once
// The x86-64 micro-architecture level the framework was compiled for
// (TRACTABLE_SIMD in CMakeLists.txt: auto picks the building machine's widest)
// and whether this CPU has it. A binary compiled for x86-64-v4 (AVX-512) dies
// of SIGILL on a CPU without AVX-512; the CLI asks here first and exits 8 with
// the level to rebuild for instead (cli/cpu_check.cpp).
//
// This file's .cpp is compiled for the baseline and uses only C, so the check
// itself runs on any x86-64 CPU (no inline C++ library code that the linker
// could take from a file compiled for the wider level).
namespace tractable {

// "x86-64", "x86-64-v2", "x86-64-v3" or "x86-64-v4"; "" where no level applies (not an x86-64 GCC build).
const char* build_isa();

// The widest level this CPU supports; "" off x86-64 or where the compiler cannot ask (before GCC 12).
const char* cpu_isa_level();

// nullptr when a CPU of level `cpu_level` runs this build (or its level is unknown); otherwise the reason, naming both
// levels and the CMake option to rebuild with (a static buffer: read it before the next call).
const char* build_isa_refusal(const char* cpu_level);

}  // namespace tractable
