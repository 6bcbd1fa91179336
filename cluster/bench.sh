#!/usr/bin/env bash
# Performance side by side with PyTorch (docs/results/performance.md): builds, then
# runs every workload of shared/BENCHMARKS.md through `tractable bench` and
# shared/bench/torch_ref.py alternately, one thread each, and prints medians,
# ratios and GFLOP/s.
#   cluster/bench.sh [--peers [--time-to-quality]] [--repeats N] [--torch-ref PATH] [--growth-steps N]
# Without --peers the PyTorch side is Debian's python3-torch (1.13, installed if missing). With --peers the
# peers users pick today, pinned, from PyPI, in a virtual environment outside the repository
# (TRACTABLE_PEERS_VENV, default /var/tmp/tractable-peers): PyTorch eager and under torch.compile (both
# modes), JAX jit, FlowJAX's own flows (the four flow workloads) and Debian's PyTorch 1.13 for
# continuity, beside ours on the six workloads;
# with --time-to-quality instead sbi's NPE beside ours (time to train, C2ST at sbibm's official
# observations) and zuko's quick-start flow (seconds to an NLL), python3 -m analysis time-to-quality.
# None of it is a dependency of the framework, its tests or CI.
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=(torch==2.15.0 jax==0.10.2 jaxlib==0.10.2 optax==0.2.8 flowjax==19.1.2 equinox==0.13.8 paramax==0.0.5
       sbi==0.27.0 h5py==3.16.0)
cluster/build.sh   # installs missing Debian packages as root, then builds
python=/usr/bin/python3
# Debian's PyTorch 1.13: the PyTorch side without --peers, and the continuity column with it.
debian_torch() {
  /usr/bin/python3 -c "import torch" 2> /dev/null && return
  echo "bench: installing python3-torch (Debian) for the PyTorch reference"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-torch > /tmp/tractable-apt-torch.log 2>&1 ||
    { tail -n 20 /tmp/tractable-apt-torch.log; exit 1; }
}
if [ "${1:-}" = "--peers" ]; then
  shift
  venv=${TRACTABLE_PEERS_VENV:-/var/tmp/tractable-peers}
  if ! "$venv/bin/python" - "${PEERS[@]}" 2> /dev/null << 'PY'
import sys
from importlib.metadata import version
sys.exit(any(version(p.split("==")[0]).split("+")[0] != p.split("==")[1] for p in sys.argv[1:]))
PY
  then
    echo "bench: installing ${PEERS[*]} into $venv (PyPI; the torch wheel is large)"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "${PEERS[@]}"
  fi
  python=$venv/bin/python
  if [ "${1:-}" = "--time-to-quality" ]; then
    shift
    exec /usr/bin/python3 -m analysis time-to-quality --python "$python" "$@"
  fi
  debian_torch
  exec /usr/bin/python3 -m analysis bench --python "$python" --compiled --jax-python "$python" \
    --flowjax-python "$python" --continuity-python /usr/bin/python3 "$@"
fi
debian_torch
exec /usr/bin/python3 -m analysis bench --python "$python" "$@"
