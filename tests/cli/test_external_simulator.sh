#!/usr/bin/env bash
# Users' own simulators (data.source "external_simulator") end to end: a Python
# program computes x = f(θ) for files of parameter rows. The cache holds exactly
# f(θ) of prior draws with the prior's moments; reruns, more simulations,
# another training seed and eval reuse it (the program is not called again);
# two ranks share the batches and make the same cache; NaN rows and a failing
# program are recorded and left out, named; a cache made with other settings is
# refused; the hdf5 format works the same; with data.slurm the batches go to an array script whose tasks
# fill the same cache.
# usage: test_external_simulator.sh TRACTABLE_BIN SOURCE_DIR [MPIEXEC]
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

# x = (θ1 + θ2, θ1·θ2, 2 θ1) + 0.05·noise keyed by θ; NaN where θ1 > 0.9 (a "crashed" simulation). Each call
# appends a line to calls.log. SIM_FAIL=1: exits 3 without output.
cat > sim.py <<'PY'
import sys, numpy as np, h5py
inp, out = sys.argv[1], sys.argv[2]
open("calls.log", "a").write(inp + "\n")
import os
if os.environ.get("SIM_FAIL"):
    sys.exit(3)
theta = h5py.File(inp)["parameters"][()] if inp.endswith(".h5") else np.loadtxt(inp, delimiter=",", ndmin=2)
x = np.stack([theta[:, 0] + theta[:, 1], theta[:, 0] * theta[:, 1], 2 * theta[:, 0]], axis=1)
x = x + 0.05 * np.sin(1000 * theta[:, :1])   # deterministic "noise"
x[theta[:, 0] > 0.9] = np.nan
if out.endswith(".h5"):
    h5py.File(out, "w")["observations"] = x
else:
    np.savetxt(out, x, delimiter=",")
PY
cat > npe.json <<'JSON'
{"name": "npe-external",
 "data": {"source": "external_simulator", "command": ["/usr/bin/python3", "sim.py"],
          "prior": {"type": "uniform", "low": [-1, -1], "high": [1, 1]},
          "observation_dim": 3, "cache": "sims.h5", "batch": 300, "n_simulations": 2000, "n_test": 200},
 "model": {"hidden": 16, "repeat": 2, "layers": [{"type": "affine_coupling"}, {"type": "reverse"}]},
 "training": {"steps": 50, "batch_size": 64, "eval_every": 25},
 "output": {"n_samples": 0, "density_grid": 0}}
JSON
calls() { [ -f calls.log ] && wc -l < calls.log || echo 0; }

expect 0 "test NLL" -- "$BIN" run npe.json --quiet --out a.h5
[ "$(calls)" -eq 8 ] || fail "2000 + 200 rows in batches of 300: 7 + 1 calls expected, got $(calls)"
py <<'PY' || fail "the cache does not hold f(θ) of uniform prior draws"
import h5py, numpy as np
f = h5py.File("sims.h5")
for block, n in (("training", 2000), ("test", 200)):
    t, x, s = f[block]["parameters"][()], f[block]["observations"][()], f[block]["status"][()]
    assert t.shape == (n, 2) and x.shape == (n, 3) and s.shape == (n,), (block, t.shape, x.shape)
    assert t.min() >= -1 and t.max() <= 1
    ok = s == 0
    assert np.array_equal(ok, t[:, 0] <= 0.9) and np.all(s[~ok] == 1), "NaN rows marked 1, the others 0"
    want = np.stack([t[:, 0] + t[:, 1], t[:, 0] * t[:, 1], 2 * t[:, 0]], axis=1) + 0.05 * np.sin(1000 * t[:, :1])
    assert np.allclose(x[ok], want[ok], rtol=0, atol=1e-12)
t = f["training"]["parameters"][()]
assert abs(t.mean()) < 0.05 and abs(t.var() - 1 / 3) < 0.03, (t.mean(), t.var())   # U(−1, 1): mean 0, var 1/3
assert "command: /usr/bin/python3 sim.py" in f["settings"][()].decode()
PY
expect 0 "external_simulator:/usr/bin/python3 sim.py \\([0-9]+ of 2200 simulations failed and are left out; the first: row [0-9]+: '/usr/bin/python3 sim.py' returned NaN or infinity\\)" -- "$BIN" info a.h5

# Reuse: the same run again, another training seed, eval: no new calls. More simulations: only the missing rows.
expect 0 "test NLL" -- "$BIN" run npe.json --quiet --set training.seed=5 --out b.h5
expect 0 '"nll"' -- "$BIN" eval a.h5
[ "$(calls)" -eq 8 ] || fail "reruns and eval called the simulator again: $(calls) calls"
expect 0 "test NLL" -- "$BIN" run npe.json --quiet --set data.n_simulations=2500 --out c.h5
[ "$(calls)" -eq 10 ] || fail "500 more rows in batches of 300 should take 2 calls, took $(( $(calls) - 8 ))"
py <<'PY' || fail "growing the cache changed its first rows"
import h5py, numpy as np
assert h5py.File("sims.h5")["training"]["parameters"].shape == (2500, 2)
PY

# Two ranks share the batches and make the same cache as one rank (normal prior, hdf5 files).
normal='data.prior={"type":"normal","mean":[0,0.5],"sd":[0.3,0.2]}'
expect 0 "test NLL" -- "$BIN" run npe.json --quiet --set "$normal" --set data.format=hdf5 --set data.cache=one.h5 --out n1.h5
expect 0 "test NLL" -- "$MPIEXEC" -np 2 --oversubscribe "$BIN" run npe.json --quiet --set "$normal" --set data.format=hdf5 \
  --set data.cache=two.h5 --out n2.h5
py <<'PY' || fail "two ranks made another cache than one, or the normal prior's moments are off"
import h5py, numpy as np
a, b = h5py.File("one.h5"), h5py.File("two.h5")
for block in ("training", "test"):
    for name in ("parameters", "observations", "status"):
        assert np.array_equal(a[block][name][()], b[block][name][()], equal_nan=True), (block, name)
t = a["training"]["parameters"][()]
assert np.allclose(t.mean(0), [0, 0.5], atol=0.03) and np.allclose(t.std(0), [0.3, 0.2], rtol=0.06), (t.mean(0), t.std(0))
PY

# data.slurm without a Slurm (submit false): the run writes the array script and exits 11 without
# simulating; each task run by hand as the array would run it; the run takes finished results in row
# order, says what is missing, and once all are in, trains on a cache equal to a local run's, bit for bit.
slurm='data.slurm={"submit":false,"time":"00:10:00","max_concurrent":4}'
rm -f calls.log
out=$("$BIN" run npe.json --quiet --set data.cache=arr.h5 --set "$slurm" --out arr-run.h5 2>&1); status=$?
[ "$status" -eq 11 ] || fail "a run whose simulations go to Slurm exited $status, not 11: $out"
for line in "tractable: waiting: data.cache arr.h5: 2200 of 2200 simulations are not in it yet" \
            "wrote .*arr.h5.slurm/array-1.sbatch for 8 batches" "8 batches are not submitted \(data.slurm.submit is false\)"; do
  grep -Eq -- "$line" <<< "$out" || fail "the waiting run's message lacks /$line/: $out"
done
[ ! -e arr-run.h5 ] && [ "$(calls)" -eq 0 ] || fail "a run waiting for its simulations simulated or wrote a run file"
script=arr.h5.slurm/array-1.sbatch
grep -q '^#SBATCH --array=0-7%4$' "$script" && grep -q '^#SBATCH --time=00:10:00$' "$script" ||
  fail "the array script lacks its --array or --time line: $(cat "$script")"
for task in 1 0 3; do SLURM_ARRAY_TASK_ID=$task bash "$script" > /dev/null || fail "array task $task failed"; done
expect 11 "1600 of 2200 simulations are not in it yet" -- \
  "$BIN" run npe.json --quiet --set data.cache=arr.h5 --set "$slurm" --out arr-run.h5
py <<'PY' || fail "the cache should hold the first 600 rows (batches 0 and 1), not batch 3 behind the missing 2"
import h5py
assert h5py.File("arr.h5")["training"]["status"].shape == (600,)
PY
# One run gathers a campaign at a time: while a live process holds arr.h5.slurm.lock, a second run is refused
# naming it (exit 5) and submits nothing; a gather that ends leaves no lock behind.
[ ! -e arr.h5.slurm.lock ] || fail "a gather left arr.h5.slurm.lock behind"
sleep 300 & holder=$!
printf '{"host": "%s", "pid": %d, "started": "2026-12-05T00:00:00Z", "start_ticks": "%s"}\n' "$(hostname)" "$holder" \
  "$(cut -d' ' -f22 /proc/$holder/stat)" > arr.h5.slurm.lock
expect 5 "arr.h5.slurm: is being written by pid $holder on host" -- \
  "$BIN" run npe.json --quiet --set data.cache=arr.h5 --set "$slurm" --out arr-run.h5
[ "$(ls arr.h5.slurm/array-*.sbatch | wc -l)" -eq 1 ] || fail "a refused gather wrote another array script"
kill "$holder"; wait "$holder" 2> /dev/null
expect 11 "note: took over the lock of a process that no longer runs: pid $holder" -- \
  "$BIN" run npe.json --quiet --set data.cache=arr.h5 --set "$slurm" --out arr-run.h5
[ ! -e arr.h5.slurm.lock ] || fail "arr.h5.slurm.lock remains after the gather"
for task in 2 4 5 6 7; do SLURM_ARRAY_TASK_ID=$task bash "$script" > /dev/null || fail "array task $task failed"; done
expect 0 "test NLL" -- "$BIN" run npe.json --quiet --set data.cache=arr.h5 --set "$slurm" --out arr-run.h5
[ "$(calls)" -eq 8 ] || fail "8 batches should have called the simulator 8 times, not $(calls)"
py <<'PY' || fail "the cache made through the array differs from the local one"
import h5py, numpy as np
a, b = h5py.File("arr.h5"), h5py.File("sims.h5")
for block, n in (("training", 2000), ("test", 200)):
    for name in ("parameters", "observations", "status"):
        assert np.array_equal(a[block][name][()][:n], b[block][name][()][:n], equal_nan=True), (block, name)
    assert a[block]["first_failure"][()] == b[block]["first_failure"][()]
assert a["settings"][()] == b["settings"][()]
PY
# A result whose parameters are not the prior's rows is refused, named; a bad sbatch value or batch name too.
expect 11 "" -- "$BIN" run npe.json --quiet --set data.cache=forged.h5 --set "$slurm" --set data.n_simulations=300 --out forged-run.h5
SLURM_ARRAY_TASK_ID=0 bash forged.h5.slurm/array-1.sbatch > /dev/null
py <<'PY'
import h5py
with h5py.File("forged.h5.slurm/results/training-0.h5", "r+") as f:
    f["parameters"][5, 1] += 1e-9
PY
expect 4 "forged.h5.slurm/results/training-0.h5: row 5 holds other parameters than the prior draws there" -- \
  "$BIN" run npe.json --quiet --set data.cache=forged.h5 --set "$slurm" --set data.n_simulations=300 --out forged-run.h5
expect 3 "data.slurm.time" -- "$BIN" run npe.json --quiet --set data.cache=x.h5 --set 'data.slurm={"time":"1;rm -rf /"}' --out x-run.h5
expect 2 "'../x-0' is not a batch name" -- "$BIN" simulate-batch arr.h5.slurm ../x-0

# Refusals, each named: a cache of other settings, a failing program, a prior of two lengths.
expect 4 "sims.h5: a simulation cache made with other settings.*choose another data.cache" -- \
  "$BIN" run npe.json --quiet --set "$normal" --out bad1.h5
expect 4 "'/usr/bin/python3 sim.py' exited with status 3.*too few simulations succeeded" -- \
  env SIM_FAIL=1 "$BIN" run npe.json --quiet --set data.cache=failing.h5 --out bad2.h5
py <<'PY' || fail "the failing program's simulations are not recorded as failed in its cache"
import h5py, numpy as np
f = h5py.File("failing.h5")
assert np.all(f["training"]["status"][()] == 2) and "exited with status 3" in f["training"]["first_failure"][()].decode()
PY
expect 3 "data.prior.high: 1 values, but data.prior.low has 2" -- \
  "$BIN" run npe.json --quiet --set 'data.prior={"type":"uniform","low":[0,0],"high":[1]}' --out bad3.h5
expect 3 "data.prior.sd\\[1\\]: must be positive" -- \
  "$BIN" run npe.json --quiet --set 'data.prior={"type":"normal","mean":[0,0],"sd":[1,0]}' --out bad4.h5
expect 3 "data: missing required key 'cache'|data.cache" -- \
  "$BIN" run npe.json --quiet --set 'data={"source":"external_simulator","command":["x"],"prior":{"type":"uniform","low":[0],"high":[1]},"observation_dim":1}' --out bad5.h5

if [ "$failures" -gt 0 ]; then echo "$failures external-simulator check(s) failed"; exit 1; fi
echo "all external-simulator checks passed"
