#!/usr/bin/env bash
# Real threads: Tractable built against Kokkos with the OpenMP backend
# (cluster/kokkos-openmp.sh: Kokkos 3.4 from Debian's trilinos source package,
# cached outside the clone), in build-openmp/, and its tests run with 2 threads
# per process. Part of the README's test command.
#
#   cluster/test-openmp.sh              # the kernel tests: unit (every kernel against finite
#                                       # differences), MPI (N ranks = 1 rank), the Python module
#   cluster/test-openmp.sh --all        # the whole ctest suite (CLI, sweeps, analysis too)
#
# The default leaves out the tests of files, processes, schedulers and plots, which run the same
# kernels and run in the Serial suite just before: here, two tests at once with two threads each on
# two cores, they took about 6x longer (cli.end_to_end 437 s against 84 s) and would take the test
# command past 45 minutes.
# OMP_PROC_BIND=false: ranks and tests share the cores, so no thread is pinned
# (Kokkos's advice for tests). OMP_WAIT_POLICY=passive: ctest runs two tests at
# once on two cores, and threads spinning at a barrier would take the cores
# from the other test's threads; throughput is measured by `tractable bench`,
# never here.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=$(cluster/kokkos-openmp.sh)
cmake -S . -B build-openmp -DCMAKE_BUILD_TYPE=Release -DKokkos_ROOT="$prefix" -DKokkosKernels_ROOT="$prefix" \
  > build-openmp.log 2>&1 || { tail -n 40 build-openmp.log; exit 1; }
cmake --build build-openmp -j "$(nproc)" >> build-openmp.log 2>&1 || { grep -E "error|Error" build-openmp.log | head -n 40; exit 1; }
echo "built: build-openmp/tractable ($(build-openmp/tractable --version | grep -i kokkos))"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMP_NUM_THREADS=2 OMP_PROC_BIND=false OMP_WAIT_POLICY=passive
if [ "${1:-}" = "--all" ]; then
  shift
  ctest --test-dir build-openmp --output-on-failure -j "$(nproc)" "$@"
else
  ctest --test-dir build-openmp --output-on-failure -j "$(nproc)" -R '^(unit|mpi)\.|^python\.module$' "$@"
fi
echo "OpenMP suite: the tests passed with OMP_NUM_THREADS=$OMP_NUM_THREADS"
