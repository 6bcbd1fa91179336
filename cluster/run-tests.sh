#!/usr/bin/env bash
# README command (2): set up, build, run every test (Catch2 unit tests, the
# 2-rank MPI test, CLI end-to-end tests and the analysis pytest suite).
set -euo pipefail
cd "$(dirname "$0")/.."
cluster/build.sh
# OpenMPI refuses to run as root without these; tests oversubscribe small machines.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ctest --test-dir build --output-on-failure -j "$(nproc)"
