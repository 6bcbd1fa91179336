#!/usr/bin/env bash
# Held-out data and model selection, end to end: the validation split (toy,
# csv, hdf5; a separate test file), the validation loss in /eval, early
# stopping, /checkpoint_best and the commands that use it unless --last,
# bit-identical resume and two ranks with all of it on, and bad input.
# usage: test_model_selection.sh TRACTABLE_BIN SOURCE_DIR [MPIEXEC]
set -u
BIN=$(realpath "$1")
SRC=$(realpath "$2")
MPIEXEC=${3:-mpiexec}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
QS="$SRC/experiments/quickstart.json"
source "$SRC/tests/cli/expect.sh"
py() { /usr/bin/python3 - "$@"; }

# A flow that overfits 100 points within a few hundred steps: the validation NLL turns up and
# early stopping (patience 3 evaluations of 100 steps) ends the run long before its 3000 steps.
OVERFIT=(--quiet --set training.steps=3000 --set training.eval_every=100 --set training.checkpoint_every=100
         --set training.early_stopping_patience=3 --set data.n_train=100 --set data.n_test=2000
         --set training.batch_size=64 --set optimizer.lr=3e-3 --set optimizer.schedule.type=constant
         --set output.n_samples=20 --set output.density_grid=0)
expect 0 "best: +validation_nll [0-9.]+ at step [0-9]+ .*stopped early" -- "$BIN" run "$QS" "${OVERFIT[@]}" --out es.h5
py es.h5 <<'PY' || fail "early stopping: the run file does not hold the selection it reports"
import h5py, numpy as np, sys
f = h5py.File(sys.argv[1])
e, c, b = f["eval"], f["checkpoint"], f["checkpoint_best"]
steps, val = e["step"][()], e["validation_nll"][()]
best = int(steps[np.argmin(val)])
stop = int(c.attrs["step"])
assert f["data"].attrs["n_validation"] == 10 and f["data"].attrs["n_train"] == 90, dict(f["data"].attrs)
assert stop < 3000 and c.attrs["stopped_early"] == 1, (stop, dict(c.attrs))
assert int(b.attrs["step"]) == best == c.attrs["best_step"], (b.attrs["step"], best, c.attrs["best_step"])
assert b.attrs["validation_loss"] == val.min() == c.attrs["best_validation_loss"]
# patience: the last 3 evaluations came after the best, none lower
assert steps[-1] == stop and list(steps[-3:]) == [best + 100 * k for k in (1, 2, 3)], (steps, best)
assert not np.array_equal(b["parameters"][()], c["parameters"][()])
PY
best_step=$(py es.h5 <<'PY'
import h5py, sys; print(int(h5py.File(sys.argv[1])["checkpoint_best"].attrs["step"]))
PY
)
# eval: /checkpoint_best by default (its test NLL is the /eval row of the best step), --last the last.
row_nll() {  # row_nll FILE STEP: test_nll of the /eval row of STEP, 6 decimals as eval prints
  py "$1" "$2" <<'PY'
import h5py, numpy as np, sys
e = h5py.File(sys.argv[1])["eval"]
print("%.6f" % e["test_nll"][()][list(e["step"][()]).index(int(sys.argv[2]))])
PY
}
expect 0 "\"checkpoint\": \"best\", \"checkpoint_step\": $best_step, \"nll\": $(row_nll es.h5 "$best_step")" -- "$BIN" eval es.h5
last_step=$(py es.h5 <<'PY'
import h5py, sys; print(int(h5py.File(sys.argv[1])["checkpoint"].attrs["step"]))
PY
)
expect 0 "\"checkpoint\": \"last\", \"checkpoint_step\": $last_step, \"nll\": $(row_nll es.h5 "$last_step")" -- "$BIN" eval es.h5 --last
expect 0 "\"split\": \"validation\", \"checkpoint\": \"best\".*\"n\": 10" -- "$BIN" eval es.h5 --split validation
expect 2 "--split must be 'test', 'validation' or 'train'" -- "$BIN" eval es.h5 --split dev
# log-prob, sample, encode/decode's outputs say which parameters they used; best and last differ.
"$BIN" log-prob es.h5 "es.h5:/data/test_points" --out lp_best.h5 > /dev/null || fail "log-prob (best)"
"$BIN" log-prob es.h5 "es.h5:/data/test_points" --out lp_last.h5 --last > /dev/null || fail "log-prob --last"
"$BIN" sample es.h5 -n 10 --out s_best.h5 > /dev/null || fail "sample (best)"
py "$best_step" "$last_step" <<'PY' || fail "log-prob/sample: the checkpoint they used"
import h5py, numpy as np, sys
best, last = int(sys.argv[1]), int(sys.argv[2])
a, b, s = h5py.File("lp_best.h5")["log_prob"], h5py.File("lp_last.h5")["log_prob"], h5py.File("s_best.h5")["samples"]
assert a.attrs["checkpoint"] == "best" and int(a.attrs["checkpoint_step"]) == best, dict(a.attrs)
assert b.attrs["checkpoint"] == "last" and int(b.attrs["checkpoint_step"]) == last, dict(b.attrs)
assert s.attrs["checkpoint"] == "best" and s.attrs["checkpoint_step"] == best, dict(s.attrs)
# Each is the model of its step: the mean log-density of the test points is minus that step's /eval
# test NLL. (Whether the validation-best step is also better on the test points depends on the
# trajectory of this deliberately overfit run, not on which parameters were loaded.)
e = h5py.File("es.h5")["eval"]
steps = list(e["step"][()])
for lp, step in ((a, best), (b, last)):
    nll = float(e["test_nll"][()][steps.index(step)])
    assert abs(lp[()].mean() + nll) <= 1e-5 * max(1.0, abs(nll)), (step, lp[()].mean(), nll)
assert abs(a[()].mean() - b[()].mean()) > 1e-6, "best and last give the same densities"
PY
# A finished (stopped) run resumed does not train on.
expect 0 "wrote done.h5" -- "$BIN" pack es.h5 --out done.h5  # a copy to resume (one file: no es.h5.d needed)
expect 0 "after $last_step steps" -- "$BIN" run "$QS" "${OVERFIT[@]}" --out done.h5 --resume

# Bit-identical resume with early stopping on: a run stopped at step 300 (a shorter training.steps, then
# --resume with the full length) selects, stops and ends exactly as the uninterrupted run.
expect 0 "" -- "$BIN" run "$QS" "${OVERFIT[@]}" --set training.steps=300 --out resumed.h5
expect 0 "stopped early" -- "$BIN" run "$QS" "${OVERFIT[@]}" --out resumed.h5 --resume
same_selection() {
  py "$1" "$2" <<'PY'
import h5py, numpy as np, sys
a, b = h5py.File(sys.argv[1]), h5py.File(sys.argv[2])
keys = ["checkpoint/parameters", "checkpoint/optimizer/m", "checkpoint_best/parameters", "eval/step",
        "eval/validation_nll", "eval/test_nll", "metrics/loss"]
bad = [k for k in keys if not np.array_equal(a[k][()], b[k][()])]
bad += [k for k in ["best_step", "stopped_early", "best_validation_loss"] if a["checkpoint"].attrs[k] != b["checkpoint"].attrs[k]]
sys.exit("differ: " + ", ".join(bad) if bad else 0)
PY
}
same_selection resumed.h5 es.h5 || fail "a resumed run with early stopping differs from the uninterrupted one"

# Two ranks: the validation loss of the same parameters is the one-rank value (rows sharded, one
# reduction), so both decide alike; a two-rank run with early stopping keeps the best of its own rows.
# (Whole trajectories are compared in mpi.ranks_*_match_one: in this deliberately overfitting regime
# float32 reduction-order differences grow within a few hundred steps.)
one=$("$BIN" eval es.h5 --split validation 2> /dev/null)
two=$("$MPIEXEC" -n 2 --oversubscribe "$BIN" eval es.h5 --split validation 2> /dev/null)
# Equal to float32 rounding: a row's libm calls take the vector or the scalar path of a vectorised loop by
# its position in the rank's rows, and the two paths may differ in the last bit (docs/explanation/numerics.md, "Vector width").
/usr/bin/python3 -c '
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
for key in ("nll", "bits_per_dim"):
    x, y = a.pop(key), b.pop(key)
    assert abs(x - y) <= 2e-6 * abs(x) + 1e-6, key
assert a == b' "$one" "$two" 2> /dev/null ||
  fail "validation NLL on 1 and 2 ranks: $one vs $two"
expect 0 "stopped early" -- "$MPIEXEC" -n 2 --oversubscribe "$BIN" run "$QS" "${OVERFIT[@]}" --out two.h5
py <<'PY' || fail "two ranks: /checkpoint_best is not the step of the lowest validation loss"
import h5py, numpy as np
f = h5py.File("two.h5")
e = f["eval"]
assert f["checkpoint_best"].attrs["step"] == e["step"][()][np.argmin(e["validation_nll"][()])]
assert f["provenance"].attrs["mpi_size"] == 2
PY

# csv with its own test file; the validation rows carved from the training file.
py <<'PY'
import numpy as np
rng = np.random.default_rng(3)
np.savetxt("train.csv", rng.normal(size=(400, 3)), delimiter=",", header="a,b,c", comments="")
np.savetxt("test.csv", rng.normal(size=(50, 3)), delimiter=",", header="a,b,c", comments="")
np.savetxt("narrow.csv", rng.normal(size=(50, 2)), delimiter=",")
bad = rng.normal(size=(50, 3)); bad[6, 2] = np.inf
np.savetxt("inf.csv", bad, delimiter=",")
import h5py
with h5py.File("data.h5", "w") as f:
    f["x"], f["x_test"] = rng.normal(size=(400, 3)), rng.normal(size=(60, 3))
PY
CSV=(--quiet --set training.steps=20 --set training.eval_every=10 --set model.repeat=1 --set model.hidden=8
     --set output.n_samples=0 --set output.density_grid=0)
expect 0 "best: +validation_nll" -- "$BIN" run "$QS" "${CSV[@]}" \
  --set 'data={"source":"csv","path":"train.csv","test_path":"test.csv","validation_fraction":0.25}' --out csv.h5
expect 0 "best: +validation_nll" -- "$BIN" run "$QS" "${CSV[@]}" \
  --set 'data={"source":"hdf5","path":"data.h5","dataset":"/x","test_dataset":"/x_test"}' --out h5.h5
expect 0 "" -- "$BIN" run "$QS" "${CSV[@]}" --set 'data={"source":"csv","path":"train.csv","validation_fraction":0}' \
  --out noval.h5
py <<'PY' || fail "csv/hdf5 splits"
import h5py
d = h5py.File("csv.h5")["data"].attrs
assert (d["n_train"], d["n_validation"], d["n_test"]) == (300, 100, 50), dict(d)
assert "test: csv:test.csv" in d["origin"], d["origin"]
d = h5py.File("h5.h5")["data"].attrs
assert (d["n_train"], d["n_validation"], d["n_test"]) == (360, 40, 60), dict(d)
f = h5py.File("noval.h5")
assert (f["data"].attrs["n_train"], f["data"].attrs["n_validation"], f["data"].attrs["n_test"]) == (360, 0, 40)
assert "checkpoint_best" not in f and "validation_nll" not in f["eval"]
PY
expect 0 "\"checkpoint\": \"last\"" -- "$BIN" eval noval.h5
expect 4 "no validation split" -- "$BIN" eval noval.h5 --split validation

# A run written before validation splits existed (its stored spec has no data.validation_fraction) keeps
# training on all its rows when resumed: the same as a run with the fraction 0, bit for bit.
LEGACY=(--quiet --set training.steps=40 --set training.eval_every=20 --set model.repeat=2 --set model.hidden=16
        --set data.n_train=1000 --set data.n_test=200 --set output.n_samples=0 --set output.density_grid=0
        --set optimizer.schedule.type=constant)
expect 0 "" -- "$BIN" run "$QS" "${LEGACY[@]}" --set data.validation_fraction=0 --out legacy.h5
py <<'PY'
import h5py, json
with h5py.File("legacy.h5", "r+") as f:
    spec = json.loads(f["spec"][()])
    del spec["data"]["validation_fraction"]
    del f["spec"]
    f["spec"] = json.dumps(spec)
    del f.attrs["tractable_sha256"]  # a run file from before checksums (an edited one fails its checksum)
PY
expect 0 "" -- "$BIN" run "$QS" "${LEGACY[@]}" --set training.steps=80 --out legacy.h5 --resume
expect 0 "" -- "$BIN" run "$QS" "${LEGACY[@]}" --set training.steps=80 --set data.validation_fraction=0 --out fresh.h5
py <<'PY' || fail "a legacy run resumed with another data split"
import h5py, numpy as np
a, b = h5py.File("legacy.h5"), h5py.File("fresh.h5")
assert np.array_equal(a["checkpoint/parameters"][()], b["checkpoint/parameters"][()])
assert "checkpoint_best" not in a
PY
expect 4 "no validation split" -- "$BIN" eval legacy.h5 --split validation

# Bad input: named, documented exit codes, no run file left behind.
expect 3 "training.early_stopping_patience needs a validation split.*validation_fraction" -- \
  "$BIN" run "$QS" "${CSV[@]}" --set training.early_stopping_patience=2 --set data.validation_fraction=0 --out bad.h5
expect 3 "training.early_stopping_patience needs a validation split.*reverse_kl" -- \
  "$BIN" run "$SRC/experiments/reverse_kl_u1.json" --quiet --set training.steps=5 --set training.early_stopping_patience=2 --out bad.h5
expect 3 "training.early_stopping_patience: -1 is out of range" -- "$BIN" validate "$QS" --set training.early_stopping_patience=-1
expect 3 "data.validation_fraction: 1 is out of range" -- "$BIN" validate "$QS" --set data.validation_fraction=1
expect 4 "narrow.csv: the test rows have 2 columns, but the training rows have 3" -- "$BIN" run "$QS" "${CSV[@]}" \
  --set 'data={"source":"csv","path":"train.csv","test_path":"narrow.csv"}' --out bad.h5
expect 4 "inf.csv: line 7, column 3 is infinite" -- "$BIN" run "$QS" "${CSV[@]}" \
  --set 'data={"source":"csv","path":"train.csv","test_path":"inf.csv"}' --out bad.h5
expect 4 "missing.csv: cannot open" -- "$BIN" run "$QS" "${CSV[@]}" \
  --set 'data={"source":"csv","path":"train.csv","test_path":"missing.csv"}' --out bad.h5
expect 4 "no dataset '/nope'" -- "$BIN" run "$QS" "${CSV[@]}" \
  --set 'data={"source":"hdf5","path":"data.h5","dataset":"/x","test_dataset":"/nope"}' --out bad.h5
expect 4 "validation_fraction 0.000100.*each split needs at least one row" -- "$BIN" run "$QS" "${CSV[@]}" \
  --set 'data={"source":"csv","path":"train.csv","validation_fraction":0.0001}' --out bad.h5
[ ! -e bad.h5 ] || fail "a rejected run left a run file behind"

[ "$failures" -eq 0 ] && echo "model selection: all checks passed"
exit "$failures"
