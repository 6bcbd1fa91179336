#!/usr/bin/env bash
# Performance side by side with PyTorch (README, "Performance"): installs
# Debian's python3-torch if missing, builds, then runs every workload of
# shared/BENCHMARKS.md through `tractable bench` and shared/bench/torch_ref.py
# alternately, one thread each, and prints medians, ratios and GFLOP/s.
#   cluster/bench.sh [--repeats N] [--torch-ref PATH] [--growth-steps N]
set -euo pipefail
cd "$(dirname "$0")/.."
cluster/build.sh   # installs missing Debian packages as root, then builds
if ! /usr/bin/python3 -c "import torch" 2> /dev/null; then
  echo "bench: installing python3-torch (Debian) for the PyTorch reference"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-torch > /tmp/tractable-apt-torch.log 2>&1 ||
    { tail -n 20 /tmp/tractable-apt-torch.log; exit 1; }
fi
exec /usr/bin/python3 -m analysis bench "$@"
