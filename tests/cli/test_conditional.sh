#!/usr/bin/env bash
# Conditional flows p(x | c) end to end: simulator data, csv context_columns,
# hdf5 context_dataset (and a separate test file); sample and log-prob with
# --context (the log-density of what sample drew equals the sampler's, and a
# trained two_moons posterior puts its mass where the reference does); two
# ranks; every bad input named with its exit code and nothing written.
# usage: test_conditional.sh TRACTABLE_BIN SOURCE_DIR [MPIEXEC]
set -u
BIN=$(realpath "$1")
SRC=$(realpath "$2")
MPIEXEC=${3:-mpiexec}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
source "$SRC/tests/cli/expect.sh"
py() { /usr/bin/python3 - "$@"; }

cat > moons.json <<'JSON'
{"name": "npe-two-moons",
 "data": {"source": "simulator", "simulator": "two_moons", "n_simulations": 10000, "n_test": 1000},
 "model": {"hidden": 50, "depth": 2, "repeat": 5, "base": {"type": "diagonal_gaussian"},
           "context_embedding": {"hidden": 32, "depth": 1, "out": 8},
           "layers": [{"type": "rqs_coupling", "bins": 8, "tail_bound": 3}, {"type": "reverse"}]},
 "optimizer": {"lr": 0.001},
 "training": {"steps": 3000, "batch_size": 256, "eval_every": 500},
 "output": {"n_samples": 500}}
JSON
expect 0 "test NLL" -- "$BIN" run moons.json --quiet --out moons.h5
py moons.h5 <<'PY' || fail "the run file does not describe a conditional flow"
import h5py, json, sys
f = h5py.File(sys.argv[1])
assert f["data"].attrs["context_dim"] == 2 and f["data"].attrs["dim"] == 2, dict(f["data"].attrs)
assert f["data"].attrs["origin"] == "simulator:two_moons"
assert f["model"].attrs["context_dim"] == 2 and f["model/context"].attrs["parameter_prefix"] == "flow.context"
assert json.loads(f["model/context"].attrs["config"])["out"] == 8
names = [n.decode() if isinstance(n, bytes) else n for n in f["checkpoint/parameter_names"][()]]
assert any(n.startswith("flow.context.embedding") for n in names) and any(n.startswith("flow.base.conditioner") for n in names), names
s = f["samples"][list(f["samples"].keys())[-1]][()]
assert s.shape == (500, 4), s.shape  # joint samples [c | x] at the test contexts
PY

# The other commands read a conditional run: info says so, eval measures log p(x | c) of the test rows,
# throughput draws at the run's own test contexts.
expect 0 "dim 2 given a context of 2" -- "$BIN" info moons.h5
expect 0 '"nll": -[0-9.]+' -- "$BIN" eval moons.h5
expect 0 '"sampling_points_per_second": [0-9.]+' -- "$BIN" throughput moons.h5 -n 2000 --repeats 1
# Calibration beyond C2ST: SBC ranks, HDR and TARP coverage of the posterior over fresh prior draws, on any number
# of ranks; then their plots.
expect 0 "SBC ranks, χ² uniformity p-value per coordinate \(10 bins\): θ1 [0-9.]+ θ2 [0-9.]+" -- \
  "$BIN" diagnose moons.h5 --simulations 200 --draws 100 --out diag.h5
expect 0 "TARP +( [01]\.[0-9]{3}){19}" -- "$MPIEXEC" -np 2 --oversubscribe "$BIN" diagnose moons.h5 --simulations 101 --draws 50 --out diag2.h5
py diag.h5 diag2.h5 <<'PY' || fail "diagnose --out: shapes, attributes or values"
import h5py, sys
import numpy as np
for name, n, L in ((sys.argv[1], 200, 100), (sys.argv[2], 101, 50)):
    f = h5py.File(name)
    assert f["sbc_ranks"].shape == (n, 2) and f["parameters"].shape == (n, 2) and f["observations"].shape == (n, 2)
    r = f["sbc_ranks"][()]
    assert r.min() >= 0 and r.max() <= L and np.all(r == np.round(r)), (r.min(), r.max())
    assert np.all(np.diff(f["hdr_coverage"][()]) >= 0) and np.all(np.diff(f["tarp_coverage"][()]) >= 0)
    a = f["sbc_ranks"].attrs
    assert a["simulator"] == "two_moons" and a["draws"] == str(L) and 0 <= float(a["leakage"]) < 0.5, dict(a)
PY
expect 5 "exists; pass --force" -- "$BIN" diagnose moons.h5 --simulations 20 --out diag.h5
# Pairs whose posterior lies almost all outside the prior's box are left out and named, not diagnosed: an
# untrained flow (standard normal base, no actnorm) on gaussian_linear_uniform's [-1, 1]^10 puts about 1 %
# of its draws inside. With 1 draw a pair, 20 rounds keep some pairs; with 20, none (exit 4, said so).
expect 0 "test NLL" -- "$BIN" run "$SRC/experiments/papers/sbi-benchmark/npe.json" --quiet --out box.h5 \
  --set data.simulator=gaussian_linear_uniform --set training.steps=1 --set data.n_simulations=200 \
  --set data.n_test=50 --set model.repeat=1 --set 'model.base={"type":"standard_normal"}' \
  --set 'model.layers=[{"type":"affine_coupling"},{"type":"reverse"}]'
expect 0 "left out: [0-9]+ of 40 pairs \([0-9, …]+\): 20 rounds of 1 draws left fewer than 1 inside the prior's support; the statistics are over the other [0-9]+" -- \
  "$BIN" diagnose box.h5 --simulations 40 --draws 1 --out box-diag.h5
expect 0 "" -- "$BIN" simulate gaussian_linear_uniform -n 40 --seed 0 --out box-pairs.h5
py box-diag.h5 box-pairs.h5 <<'PY' || fail "diagnose's left-out pairs: the kept pairs are not the others, or the counts disagree"
import h5py, sys
import numpy as np
d, pairs = h5py.File(sys.argv[1]), h5py.File(sys.argv[2])
left_out = d["left_out"][()]
kept = np.setdiff1d(np.arange(40), left_out)
assert 0 < len(left_out) < 40, left_out
assert np.all(np.diff(left_out) > 0) and left_out.max() < 40
assert d["sbc_ranks"].shape == (len(kept), 10) and d["hdr_fraction"].shape == (len(kept),)
# The statistics are over exactly the pairs kept: their θ* and x are simulated rows 0..39 without the left-out ones.
assert np.array_equal(d["parameters"][()], pairs["parameters"][()][kept])
assert np.array_equal(d["observations"][()], pairs["observations"][()][kept])
PY
expect 4 "box.h5: at every one of the 40 pairs, 20 rounds of 20 draws left fewer than 20 inside the prior's support" -- \
  "$BIN" diagnose box.h5 --simulations 40 --draws 20 --out box-none.h5
[ ! -e box-none.h5 ] || fail "diagnose wrote an output although every pair was left out"
expect 0 "coverage: cal/coverage.png" -- env PYTHONPATH="$SRC" /usr/bin/python3 -m analysis calibrate moons.h5 \
  --diagnosis diag.h5 --out cal
[ -s cal/ranks.png ] && [ -s cal/coverage.png ] || fail "calibrate wrote no ranks.png or coverage.png"

# Observations and their reference posteriors (a 2048² grid), then the flow's posterior at them.
expect 0 "prior draws" -- "$BIN" simulate two_moons -n 3 --seed 5 --out obs.h5
expect 0 "reference" -- "$BIN" simulate two_moons --reference-for obs.h5:/observations -n 2000 --out ref.h5
expect 0 "at each of 3 contexts" -- "$BIN" sample moons.h5 -n 2000 --context obs.h5:/observations --out post.h5
py post.h5 <<'PY' || fail "sample --context: shapes or attributes"
import h5py, sys
f = h5py.File(sys.argv[1])
assert f["samples"].shape == (3, 2000, 2) and f["log_prob"].shape == (3, 2000) and f["context"].shape == (3, 2)
assert f["samples"].attrs["context"] == "obs.h5:/observations" and f["samples"].attrs["checkpoint"] == "best"
PY
# log p(x | c) of what sample drew, at the same contexts, is the log q the sampler reported.
py post.h5 <<'PY'
import h5py, numpy as np, sys
f = h5py.File(sys.argv[1])
with h5py.File("drawn.h5", "w") as g:
    g["x"] = f["samples"][()].reshape(-1, 2)
    g["c"] = np.repeat(f["context"][()], 2000, axis=0)
PY
expect 0 "" -- "$BIN" log-prob moons.h5 drawn.h5:/x --context drawn.h5:/c --out lp.h5
py post.h5 lp.h5 <<'PY' || fail "log-prob --context disagrees with the sampler's log q"
import h5py, numpy as np, sys
lq = h5py.File(sys.argv[1])["log_prob"][()].reshape(-1)
lp = h5py.File(sys.argv[2])["log_prob"][()]
err = np.abs(lp - lq).max()
assert err < 2e-3, err  # float32 samples read back: rounding only
PY
# The posterior is where the reference is: the share of flow samples within 0.05 of a reference sample,
# against the share of prior draws (the crescents cover a few per cent of the prior box).
py post.h5 ref.h5 <<'PY' || fail "the trained posterior misses the reference posterior"
import h5py, numpy as np, sys
post, ref = h5py.File(sys.argv[1])["samples"][()], h5py.File(sys.argv[2])["reference"][()]
prior = np.random.default_rng(1).uniform(-1, 1, size=(500, 2))
near = lambda s, r: (np.sqrt(((s[:, None, :] - r[None, :, :]) ** 2).sum(-1)).min(1) < 0.05).mean()
for r in range(3):
    flow, baseline = near(post[r][:500], ref[r]), near(prior, ref[r])
    print(f"observation {r}: {100 * flow:.1f}% of flow samples, {100 * baseline:.1f}% of prior draws within 0.05 of the reference")
    assert flow > 0.12 and flow > 4 * baseline, (flow, baseline)  # a short run: 0.20 to 0.75 seen
PY

# The Python module: the CLI's samples bit for bit, and log_prob(x, context=...).
PYTHONPATH="$(dirname "$BIN")/python" py moons.h5 post.h5 <<'PY' || fail "python module: conditional sample/log_prob"
import h5py, numpy as np, sys, tractable
m = tractable.load(sys.argv[1])
f = h5py.File(sys.argv[2])
assert m.context_dim == 2
s, lq = m.sample(2000, context=f["context"][()], log_prob=True)
assert np.array_equal(s, f["samples"][()]) and np.array_equal(lq, f["log_prob"][()])
lp = m.log_prob(s.reshape(-1, 2), context=np.repeat(f["context"][()], 2000, axis=0))
assert np.abs(lp - lq.reshape(-1)).max() < 2e-3
for bad in (lambda: m.log_prob(s[0]), lambda: m.sample(3, context=np.zeros((2, 3)))):
    try:
        bad()
        raise SystemExit("accepted a bad context")
    except ValueError:
        pass
PY

# csv with context_columns and a separate test file; hdf5 with context_dataset beside dataset.
py <<'PY'
import h5py, numpy as np
rng = np.random.default_rng(0)
c = rng.normal(size=(3000, 1)); x = np.hstack([c + 0.3 * rng.normal(size=(3000, 1)), -c + 0.3 * rng.normal(size=(3000, 1))])
np.savetxt("train.csv", np.hstack([c, x])[:2500], delimiter=",")
np.savetxt("test.csv", np.hstack([c, x])[2500:], delimiter=",")
with h5py.File("data.h5", "w") as f:
    f["x"], f["c"], f["c_short"] = x, c, c[:10]
    f["c_nan"] = np.where(np.arange(3000)[:, None] == 41, np.nan, c)
    f["x01"] = 1 / (1 + np.exp(-x))
PY
SMALL=(--quiet --set training.steps=300 --set training.eval_every=0 --set output.n_samples=50 --set output.density_grid=0
       --set model.repeat=2 --set 'model.layers=[{"type":"affine_coupling"},{"type":"reverse"}]')
QS="$SRC/experiments/quickstart.json"
expect 0 "test NLL" -- "$BIN" run "$QS" "${SMALL[@]}" --set 'data={"source":"csv","path":"train.csv","test_path":"test.csv","context_columns":1}' --out csv.h5
expect 0 "test NLL" -- "$BIN" run "$QS" "${SMALL[@]}" --set 'data={"source":"hdf5","path":"data.h5","dataset":"x","context_dataset":"c"}' --out h5.h5
py csv.h5 h5.h5 <<'PY' || fail "csv/hdf5 contexts: run files"
import h5py, sys
for path in sys.argv[1:]:
    f = h5py.File(path)
    assert f["data"].attrs["context_dim"] == 1 and f["data"].attrs["dim"] == 2, dict(f["data"].attrs)
    # No unconditional model gets below the entropy of x, 2.00 nats (the conditional one: 0.43); reading c
    # is the only way under 1.8.
    assert f["eval"]["test_nll"][-1] < 1.8, f["eval"]["test_nll"][-1]
PY

# Two ranks: the same run, the same test NLL as one rank (fp32: rounding of the reduction only).
expect 0 "test NLL" -- "$MPIEXEC" -np 2 --oversubscribe "$BIN" run "$QS" "${SMALL[@]}" --set 'data={"source":"hdf5","path":"data.h5","dataset":"x","context_dataset":"c"}' --out h5_2.h5
py h5.h5 h5_2.h5 <<'PY' || fail "two ranks differ from one with contexts"
import h5py, sys
a, b = (h5py.File(p)["eval"]["test_nll"][-1] for p in sys.argv[1:])
assert abs(a - b) < 1e-3 * max(1, abs(a)), (a, b)
PY

# sample and log-prob --context on two ranks: each rank draws its share, rank 0 writes [R, n, D]; the
# log-density of those draws agrees with the sampler's (float32 batches of other sizes: rounding only).
expect 0 "at each of 3 contexts" -- "$MPIEXEC" -np 2 --oversubscribe "$BIN" sample moons.h5 -n 501 --context obs.h5:/observations --out post2.h5
py post2.h5 <<'PY'
import h5py, numpy as np, sys
f = h5py.File(sys.argv[1])
assert f["samples"].shape == (3, 501, 2) and f["samples"].attrs["ranks"] == "2", f["samples"].shape
with h5py.File("drawn2.h5", "w") as g:
    g["x"] = f["samples"][()].reshape(-1, 2)
    g["c"] = np.repeat(f["context"][()], 501, axis=0)
PY
expect 0 "" -- "$MPIEXEC" -np 2 --oversubscribe "$BIN" log-prob moons.h5 drawn2.h5:/x --context drawn2.h5:/c --out lp2.h5
py post2.h5 lp2.h5 <<'PY' || fail "two ranks: log-prob --context disagrees with sample --context"
import h5py, numpy as np, sys
lq, lp = h5py.File(sys.argv[1])["log_prob"][()].reshape(-1), h5py.File(sys.argv[2])["log_prob"][()]
assert lp.shape == lq.shape and np.abs(lp - lq).max() < 2e-3, np.abs(lp - lq).max()
PY

# Bad input: exit code, the place named, nothing written.
printf "0.1,0.2,0.3\n" > wide.csv
printf "0.1,nan\n0.2,0.3\n" > nan.csv
printf "0.1,0.2\n" > x1.csv
printf "0.1,0.2\n0.3,0.4\n" > x2.csv
expect 4 "wide.csv: 3 columns, but the run's flow takes 2 context columns" -- "$BIN" log-prob moons.h5 x1.csv --context wide.csv --format csv
expect 4 "nan.csv: line 1, column 2 is NaN" -- "$BIN" sample moons.h5 -n 2 --context nan.csv --out bad1.h5
expect 4 "x1.csv: 1 context rows, but .*has 2 rows" -- "$BIN" log-prob moons.h5 x2.csv --context x1.csv --out bad2.h5
expect 2 "--context is required: the run's flow is conditional" -- "$BIN" sample moons.h5 -n 2 --out bad3.h5
expect 0 "test NLL" -- "$BIN" run "$QS" "${SMALL[@]}" --set training.steps=20 --out plain.h5
expect 2 "--context: the run's model is unconditional" -- "$BIN" sample plain.h5 -n 2 --context x1.csv --out bad5.h5
expect 3 "model.layers\[1\].type: 'planar' cannot be part of a conditional flow" -- "$BIN" run moons.json --quiet --set 'model.layers=[{"type":"affine_coupling"},{"type":"planar"}]' --out bad6.h5
expect 3 "model.context_embedding: the data has no context" -- "$BIN" run "$QS" "${SMALL[@]}" --set 'model.context_embedding={}' --out bad7.h5
expect 4 "data.h5:c_short: 10 context rows, but hdf5:data.h5:x has 3000 rows" -- "$BIN" run "$QS" "${SMALL[@]}" --set 'data={"source":"hdf5","path":"data.h5","dataset":"x","context_dataset":"c_short"}' --out bad8.h5
expect 4 "data.h5:c_nan: row 41 \\(0-based\\), column 0 is NaN" -- "$BIN" run "$QS" "${SMALL[@]}" --set 'data={"source":"hdf5","path":"data.h5","dataset":"x","context_dataset":"c_nan"}' --out bad9.h5
expect 4 "context_columns is 3, but the rows have 3 columns" -- "$BIN" run "$QS" "${SMALL[@]}" --set 'data={"source":"csv","path":"train.csv","context_columns":3}' --out bad10.h5
expect 3 "data.simulator" -- "$BIN" run moons.json --quiet --set data.simulator=three_moons --out bad11.h5
expect 2 "plain.h5: not a conditional flow" -- "$BIN" diagnose plain.h5 --simulations 10
expect 2 "csv.h5: not trained on a simulator" -- "$BIN" diagnose csv.h5 --simulations 10
expect 3 "data.test_context_dataset" -- "$BIN" run "$QS" "${SMALL[@]}" --set 'data={"source":"hdf5","path":"data.h5","dataset":"x","context_dataset":"c","test_dataset":"x"}' --out bad12.h5
expect 3 "model.type: a vae cannot be conditioned" -- "$BIN" run "$SRC/experiments/vae/iwae_mnist.json" --quiet --set 'data={"source":"hdf5","path":"data.h5","dataset":"x01","context_dataset":"c"}' --out bad13.h5
for f in bad1.h5 bad2.h5 bad3.h5 bad5.h5 bad6.h5 bad7.h5 bad8.h5 bad9.h5 bad10.h5 bad11.h5 bad12.h5 bad13.h5; do
  [ ! -e "$f" ] || fail "a rejected command left $f behind"
done

[ "$failures" -eq 0 ] && echo "conditional flows: all checks passed"
exit "$failures"
