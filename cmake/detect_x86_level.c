/* Prints the widest x86-64 micro-architecture level this CPU supports (for TRACTABLE_SIMD=auto). */
#include <stdio.h>
int main(void) {
  __builtin_cpu_init();
  const char* level = __builtin_cpu_supports("x86-64-v4")   ? "x86-64-v4"
                      : __builtin_cpu_supports("x86-64-v3") ? "x86-64-v3"
                      : __builtin_cpu_supports("x86-64-v2") ? "x86-64-v2"
                                                            : "x86-64";
  printf("%s", level);
  return 0;
}
