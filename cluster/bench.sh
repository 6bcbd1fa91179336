#!/usr/bin/env bash
# Performance side by side with PyTorch (docs/results/performance.md): builds, then
# runs every workload of shared/BENCHMARKS.md through `tractable bench` and
# shared/bench/torch_ref.py alternately, one thread each, and prints medians,
# ratios and GFLOP/s.
#   cluster/bench.sh [--peers] [--repeats N] [--torch-ref PATH] [--growth-steps N]
# Without --peers the PyTorch side is Debian's python3-torch (1.13, installed if missing). With --peers it is
# the pinned current PyTorch from PyPI, installed into a virtual environment outside the repository
# (TRACTABLE_PEERS_VENV, default /var/tmp/tractable-peers): none of it is a dependency of the framework,
# its tests or CI.
set -euo pipefail
cd "$(dirname "$0")/.."
TORCH_VERSION=2.15.0
cluster/build.sh   # installs missing Debian packages as root, then builds
python=/usr/bin/python3
if [ "${1:-}" = "--peers" ]; then
  shift
  venv=${TRACTABLE_PEERS_VENV:-/var/tmp/tractable-peers}
  if ! "$venv/bin/python" -c "import torch; assert torch.__version__.startswith('$TORCH_VERSION')" 2> /dev/null; then
    echo "bench: installing torch==$TORCH_VERSION into $venv (PyPI; the default wheel is large)"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "torch==$TORCH_VERSION" numpy
  fi
  python=$venv/bin/python
elif ! /usr/bin/python3 -c "import torch" 2> /dev/null; then
  echo "bench: installing python3-torch (Debian) for the PyTorch reference"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-torch > /tmp/tractable-apt-torch.log 2>&1 ||
    { tail -n 20 /tmp/tractable-apt-torch.log; exit 1; }
fi
exec /usr/bin/python3 -m analysis bench --python "$python" "$@"
