// Test main: MPI, then Kokkos (through the framework's one Runtime), then Catch.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "parallel/runtime.hpp"

int main(int argc, char** argv) {
  tractable::Runtime runtime(argc, argv);
  return Catch::Session().run(argc, argv);
}
