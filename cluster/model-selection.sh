#!/usr/bin/env bash
# Issue 14's overfitting case, measured: a 6-block spline coupling flow
# (actnorm, rqs_coupling, random_permutation; 128×2 conditioners) trained for
# 8000 steps on 20,000 rows of a seeded 6-D Gaussian mixture, three ways:
#   no-validation  data.validation_fraction 0: trains on all 18,000 non-test rows, keeps the last parameters
#   full           validation split, no early stopping: 8000 steps; last and best (/checkpoint_best) compared
#   early          validation split, early_stopping_patience 4 (evaluations every 250 steps)
# and prints train / validation / test NLL of the parameters each would hand a
# user, beside the exact NLL of the mixture itself on the same test rows.
# Usage: cluster/model-selection.sh [path/to/tractable] [OUT_DIR]   (about 3 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${1:-build/tractable}")
OUT=${2:-runs/model-selection}
SPEC=experiments/model-selection/mixture6d.json
mkdir -p data "$OUT"

# The mixture: 8 components in 6-D, seeded; its parameters are kept to evaluate the exact density.
/usr/bin/python3 - <<'PY'
import numpy as np, os
if not os.path.exists("data/mixture6d.csv"):
    rng = np.random.default_rng(14)
    K, D, N = 8, 6, 20000
    means = rng.normal(scale=2.5, size=(K, D))
    A = rng.normal(size=(K, D, D)) / np.sqrt(D)
    covs = A @ A.transpose(0, 2, 1) * 0.5 + 0.1 * np.eye(D)
    weights = rng.dirichlet(np.ones(K) * 5)
    comp = rng.choice(K, size=N, p=weights)
    x = means[comp] + np.einsum("nij,nj->ni", np.linalg.cholesky(covs)[comp], rng.normal(size=(N, D)))
    np.savez("data/mixture6d.npz", means=means, covs=covs, weights=weights)
    np.savetxt("data/mixture6d.csv", x, delimiter=",", fmt="%.9g")
PY

train() {  # train NAME --set ...: a finished run is kept as it is (never overwritten)
  local name=$1; shift
  local path="$OUT/$name.h5"
  local resume=()
  [ -e "$path" ] && resume=(--resume)
  "$BIN" run "$SPEC" --quiet --out "$path" "${resume[@]}" "$@" 2> /dev/null | grep -E "^(best|speed)" | sed "s/^/$name: /"
}
train no-validation --set data.validation_fraction=0
train full
train early --set training.early_stopping_patience=4

/usr/bin/python3 - "$BIN" "$OUT" <<'PY'
import json, subprocess, sys
import h5py, numpy as np
binary, out = sys.argv[1], sys.argv[2]
p = np.load("data/mixture6d.npz")
def exact_log_p(x):
    terms = []
    for w, m, c in zip(p["weights"], p["means"], p["covs"]):
        d = x - m
        terms.append(np.log(w) - 0.5 * np.einsum("ni,ni->n", d, np.linalg.solve(c, d.T).T)
                     - 0.5 * np.linalg.slogdet(c)[1] - 0.5 * x.shape[1] * np.log(2 * np.pi))
    return np.logaddexp.reduce(np.array(terms), axis=0)
def nll(run, split, last):
    cmd = [binary, "eval", run, "--split", split] + (["--last"] if last else [])
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
print("| run | parameters | step | train NLL | validation NLL | test NLL |")
print("|---|---|---|---|---|---|")
exact = None
for name, label in [("no-validation", "no validation split"), ("full", "validation split, 8000 steps"),
                    ("early", "early stopping, patience 4")]:
    run = f"{out}/{name}.h5"
    with h5py.File(run) as f:
        test = f["data/test_points"][()]
        has_best = "checkpoint_best" in f
        if exact is None:
            assert test.shape[0] == f["data"].attrs["n_test"]  # every test row is stored
            exact = -exact_log_p(test.astype(np.float64)).mean()
    for last in ([True, False] if has_best else [True]):
        t = nll(run, "test", last)
        r = nll(run, "train", last)
        v = nll(run, "validation", last)["nll"] if has_best else float("nan")
        which = "last" if last else "best"
        print(f"| {label} | {which} | {t['checkpoint_step']} | {r['nll']:.4f} | {v:.4f} | {t['nll']:.4f} |")
print(f"| the mixture's exact density | | | | | {exact:.4f} |")
PY
