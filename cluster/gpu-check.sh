#!/usr/bin/env bash
# The GPU check (docs/explanation/parallelism.md, "GPUs"): builds Tractable against an installed CUDA
# Kokkos (it builds no Kokkos itself: on a cluster, Spack's kokkos +cuda and
# kokkos-kernels +cublas, cluster/spack.yaml), then on the GPU runs the unit
# tests, the MPI tests (2 ranks against 1) and `tractable bench` for the six
# workloads, and writes the device, the versions and every result to OUT.
#
#   cluster/gpu-check.sh KOKKOS_PREFIX [KOKKOSKERNELS_PREFIX] [--build-only] [--out DIR]
#
# --build-only stops after the build (a login node without a GPU; the run then
# needs only `cluster/gpu-check.sh … ` again on the GPU node: the build is reused).
# Exit codes: 0 all passed, 1 a build or test failed, 2 bad arguments, 12 no usable GPU.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '8,12p' "$0" | cut -c3- >&2; exit 2; }
[ $# -ge 1 ] || usage
kokkos=$1; shift
kernels=$kokkos
if [ $# -ge 1 ] && [[ $1 != --* ]]; then kernels=$1; shift; fi
build_only=0
out=gpu-check/$(date -u +%Y%m%dT%H%M%SZ)
while [ $# -gt 0 ]; do
  case $1 in
    --build-only) build_only=1 ;;
    --out) out=$2; shift ;;
    *) usage ;;
  esac
  shift
done
[ -f "$kokkos/include/KokkosCore_config.h" ] || { echo "gpu-check: $kokkos has no Kokkos (include/KokkosCore_config.h)" >&2; exit 2; }
grep -q "define KOKKOS_ENABLE_CUDA\b" "$kokkos/include/KokkosCore_config.h" ||
  { echo "gpu-check: the Kokkos in $kokkos was not built with CUDA (KOKKOS_ENABLE_CUDA)" >&2; exit 2; }
wrapper=$kokkos/bin/nvcc_wrapper
[ -x "$wrapper" ] || { echo "gpu-check: $wrapper is missing" >&2; exit 2; }

build=${TRACTABLE_GPU_BUILD:-build-gpu}
mkdir -p "$out"
log=$out/build.log
echo "gpu-check: building in $build (log: $log)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$wrapper" \
  -DKokkos_ROOT="$kokkos" -DKokkosKernels_ROOT="$kernels" > "$log" 2>&1 || { tail -n 30 "$log"; exit 1; }
cmake --build "$build" -j "$(nproc)" >> "$log" 2>&1 || { grep -E "error" "$log" | head -n 40; exit 1; }
echo "gpu-check: built every target ($(grep -c 'Building CXX' "$log" || true) sources compiled this time)"
[ $build_only -eq 0 ] || exit 0

if ! command -v nvidia-smi > /dev/null || ! nvidia-smi -L > "$out/device.txt" 2>&1; then
  echo "gpu-check: no usable NVIDIA GPU here (nvidia-smi -L failed); run it on a GPU node" >&2
  exit 12
fi
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >> "$out/device.txt" || true
{ nvcc --version | tail -n 2; grep -E "define KOKKOS_VERSION " "$kokkos/include/"*.h* 2>/dev/null | head -n 1; } \
  >> "$out/device.txt" || true
cat "$out/device.txt"

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
status=0
echo "gpu-check: unit and MPI tests"
ctest --test-dir "$build" -R "^(unit|mpi)\." --output-on-failure > "$out/tests.log" 2>&1 || status=1
tail -n 3 "$out/tests.log"
echo "gpu-check: tractable bench (six workloads)"
: > "$out/bench.jsonl"
for workload in realnvp2d-train maf8d-train maf8d-density maf8d-sample vae-mnist-train iwae50-mnist-train sgemm; do
  "$build/tractable" bench "$workload" >> "$out/bench.jsonl" 2>> "$out/bench.log" || status=1
done
/usr/bin/python3 - "$out/bench.jsonl" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(f"{r['workload']:>20}  {r['value']:>10} {r['metric']}  ({r.get('kokkos', '?')}, {r.get('gflops', '?')} GFLOP/s)")
EOF
echo "gpu-check: results in $out"
exit $status
