#!/usr/bin/env bash
# Sweeps on a real Slurm: brings up a single-node Slurm (cluster/slurm-local.sh)
# in a private directory and ports, and tears it down at the end.
#   1. a 6-run sweep as one job array: every run file finished, results equal
#      to `tractable run` of the same spec, summary complete, nothing written
#      outside the sweep directory, a directory path that would inject shell code
#   2. preemption: `scontrol requeue` while a task trains, then SIGUSR1 to the
#      batch shell (the time-limit path, the task requeues itself); the run
#      resumes each time and ends bit-identical to an uninterrupted run
#   3. load: 100 tiny runs through the array; prints the wall time
#   4. `tractable reproduce --slurm`: a paper suite (shrunk) submitted as an array, then,
#      once it has finished, the same command submits nothing and writes the report
#   5. an external simulator on Slurm (data.slurm): the run submits the missing simulations as an
#      array and exits 11; an array cancelled before it ran is found lost and submitted again; once
#      the array has finished the run trains, on a cache equal to a local run's
# usage: test_slurm_sweeps.sh TRACTABLE SOURCE_DIR [load-runs]
set -u
TRACTABLE=$(readlink -f "$1")
SRC=$(readlink -f "$2")
LOAD_RUNS=${3:-100}
. "$SRC/tests/cli/expect.sh"
PY=/usr/bin/python3

WORK=$(mktemp -d /tmp/tractable-slurm-test.XXXXXX)
export TRACTABLE_SLURM_DIR=$WORK/slurm TRACTABLE_SLURMCTLD_PORT=16837 TRACTABLE_SLURMD_PORT=16838
cleanup() {
  "$SRC/cluster/slurm-local.sh" stop > /dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
if ! start_output=$("$SRC/cluster/slurm-local.sh" start 2>&1); then
  echo "FAIL: could not start the local Slurm: $start_output"
  exit 1
fi
eval "$start_output"  # export SLURM_CONF=...
echo "local Slurm up: $SLURM_CONF"

# Polls `tractable status` until every run is done (or TIMEOUT seconds pass).
wait_all_done() {
  local dir=$1 n=$2 timeout=$3 start=$SECONDS
  while [ $((SECONDS - start)) -lt "$timeout" ]; do
    if "$TRACTABLE" status "$dir" 2> /dev/null | grep -q ": $n runs: $n done"; then return 0; fi
    sleep 1
  done
  fail "$dir: not all $n runs done after ${timeout}s:"
  "$TRACTABLE" status "$dir"
  tail -n 5 "$dir"/logs/*.log
  return 1
}

# The checkpoint step of a run file (0 if it does not exist yet).
checkpoint_step() {
  [ -f "$1" ] || { echo 0; return; }
  $PY -c 'import h5py,sys; print(int(h5py.File(sys.argv[1],"r")["checkpoint"].attrs["step"]))' "$1" 2> /dev/null || echo 0
}

# Two run files hold the same parameters, optimiser state and loss rows, bit for bit.
same_run() {
  $PY - "$1" "$2" << 'EOF'
import h5py, numpy as np, sys
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
for key in ["checkpoint/parameters", "checkpoint/optimizer/m", "checkpoint/optimizer/v", "metrics/loss", "metrics/step",
            "eval/test_nll"]:
    if not np.array_equal(a[key][()], b[key][()]):
        sys.exit(f"{key} differs")
EOF
}

# A tiny flow on 8gaussians; each run trains in about a second.
cat > "$WORK/base.json" << 'EOF'
{"name": "tiny", "data": {"source": "toy", "name": "8gaussians", "n_train": 4000, "n_test": 1000},
 "model": {"hidden": 16, "depth": 1, "layers": [{"type": "affine_coupling", "mask": "alternating"}], "repeat": 4},
 "optimizer": {"lr": 3e-3}, "training": {"steps": 300, "batch_size": 128, "log_every": 50, "eval_every": 0,
 "checkpoint_every": 100}, "output": {"n_samples": 100, "density_grid": 0, "n_data_points": 100}}
EOF

echo "== 1. a 6-run sweep as one job array"
cat > "$WORK/six.json" << 'EOF'
{"sweep": "six", "base": "base.json", "grid": {"optimizer.lr": [1e-3, 3e-3, 1e-2]}, "repeats": 2,
 "slurm": {"max_concurrent": 4, "time": "00:10:00"}}
EOF
# A directory whose name would run code if it reached a shell unquoted; the submitting cwd must stay empty.
SIX="$WORK/sweeps/six 'q' \$(touch $WORK/injected) \`touch $WORK/injected2\`"
mkdir -p "$WORK/cwd"
(cd "$WORK/cwd" && expect 0 "submitted array job [0-9]+ \(6 tasks\)" -- "$TRACTABLE" sweep "$WORK/six.json" --slurm --dir "$SIX")
wait_all_done "$SIX" 6 240
[ -e "$WORK/injected" ] || [ -e "$WORK/injected2" ] && fail "a sweep directory name was executed by a shell"
[ -z "$(ls -A "$WORK/cwd")" ] || fail "the sweep wrote outside its directory: $(ls -A "$WORK/cwd")"
n_logs=$(ls "$SIX"/logs/*_*.log 2> /dev/null | wc -l)
[ "$n_logs" -eq 6 ] || fail "expected 6 array-task logs (<job>_<task>.log), found $n_logs"
expect 0 "wrote .*summary.csv and summary.h5 \(6 runs\)" -- "$TRACTABLE" collect "$SIX" --quiet
rows=$(tail -n +2 "$SIX/summary.csv" | grep -c ',done,300,300,')
[ "$rows" -eq 6 ] || fail "summary.csv: expected 6 done rows, found $rows: $(cat "$SIX/summary.csv")"
# A run of the array equals `tractable run` of its spec file, bit for bit.
first=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["runs"][0]["id"])' "$SIX/sweep.json")
"$TRACTABLE" run "$SIX/specs/$first.json" --out "$WORK/reference-six.h5" --quiet > /dev/null || fail "reference run failed"
same_run "$SIX/runs/$first.h5" "$WORK/reference-six.h5" || fail "array run $first differs from a direct run"
# Resubmitting a finished sweep submits nothing.
expect 0 "6 finished, 0 already queued or running, 0 to submit" -- "$TRACTABLE" sweep "$WORK/six.json" --slurm --dir "$SIX"

echo "== 2. preemption: scontrol requeue, then SIGUSR1 to the batch shell"
cat > "$WORK/preempt.json" << 'EOF'
{"sweep": "preempt", "base": "base.json",
 "set": {"training.steps": 6000, "training.checkpoint_every": 25, "model.hidden": 32, "model.repeat": 8},
 "seeds": [3]}
EOF
P=$WORK/sweeps/preempt
expect 0 "submitted array job" -- "$TRACTABLE" sweep "$WORK/preempt.json" --slurm --dir "$P"
job=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["array_job_id"])' "$P/slurm/submissions.json")
id=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["runs"][0]["id"])' "$P/sweep.json")
run="$P/runs/$id.h5"
# Waits until the run has a checkpoint past step $1 and is running.
wait_for_progress() {
  local past=$1 start=$SECONDS
  while [ $((SECONDS - start)) -lt 120 ]; do
    [ "$(checkpoint_step "$run")" -gt "$past" ] && return 0
    sleep 0.3
  done
  fail "run $id made no progress past step $past"
  return 1
}
# Waits for the task to be pending again, checks `status` calls it preempted, and skips Slurm's requeue delay.
release_requeued_task() {
  local start=$SECONDS
  while [ $((SECONDS - start)) -lt 60 ]; do
    scontrol show job "${job}_0" 2> /dev/null | grep -q "JobState=PENDING" && break
    sleep 0.3
  done
  expect 0 "preempted +[0-9]+/6000 .*Slurm ${job}_0 PENDING" -- "$TRACTABLE" status "$P"
  # A requeued job becomes eligible only ~2 minutes later; a test need not wait for that. But slurmd refuses
  # a launch whose credential is from the same second as the revocation ("Job credential revoked"): wait 2 s.
  sleep 2
  scontrol update JobId="${job}_0" StartTime=now || fail "scontrol update StartTime failed"
}
wait_for_progress 50
scontrol requeue "${job}_0" || fail "scontrol requeue failed"
release_requeued_task
first_stop=$(checkpoint_step "$run")
wait_for_progress "$first_stop"
scancel --batch --signal=USR1 "${job}_0" || fail "scancel --signal=USR1 failed"
release_requeued_task
wait_all_done "$P" 1 240
# The run file is final before the task records its exit; wait for the task to finish.
for _ in $(seq 100); do [ -e "$P/attempts/$id.running" ] || break; sleep 0.2; done
attempts=$(awk '{print $1}' "$P/attempts/$id" | tr '\n' ' ')
[ "$attempts" = "75 75 0 " ] || fail "attempts of $id: expected '75 75 0 ', got '$attempts'"
grep -q "(attempt 3)" "$P/logs/${job}_0.log" || fail "the task log does not show a third attempt"
grep -q "requeueing task ${job}_0" "$P/logs/${job}_0.log" || fail "the task did not requeue itself after SIGUSR1"
"$TRACTABLE" run "$P/specs/$id.json" --out "$WORK/reference-preempt.h5" --quiet > /dev/null || fail "reference run failed"
same_run "$run" "$WORK/reference-preempt.h5" || fail "the twice-preempted run differs from an uninterrupted one"

echo "== 3. load: $LOAD_RUNS tiny runs through one array"
cat > "$WORK/load.json" << EOF
{"sweep": "load", "base": "base.json",
 "set": {"training.steps": 20, "training.log_every": 10, "training.checkpoint_every": 20, "data.n_train": 500,
         "data.n_test": 100, "model.repeat": 2, "model.hidden": 8},
 "seeds": [$(seq -s, 1 "$LOAD_RUNS")]}
EOF
L=$WORK/sweeps/load
load_start=$(date +%s%N)
expect 0 "submitted array job [0-9]+ \($LOAD_RUNS tasks\)" -- "$TRACTABLE" sweep "$WORK/load.json" --slurm --dir "$L"
wait_all_done "$L" "$LOAD_RUNS" 900
"$TRACTABLE" collect "$L" --quiet > /dev/null || fail "collect failed"
load_ms=$((($(date +%s%N) - load_start) / 1000000))
load_seconds=$((load_ms / 1000)).$(printf %03d $((load_ms % 1000)))
n_files=$(ls "$L"/runs/*.h5 | wc -l)
[ "$n_files" -eq "$LOAD_RUNS" ] || fail "expected $LOAD_RUNS run files, found $n_files"
rows=$(tail -n +2 "$L/summary.csv" | grep -c ',done,20,20,')
[ "$rows" -eq "$LOAD_RUNS" ] || fail "summary.csv: expected $LOAD_RUNS done rows, found $rows"
echo "load: $LOAD_RUNS runs through the local Slurm ($(nproc) CPUs) in ${load_seconds} s wall, submission to summary"

echo "== 4. tractable reproduce --slurm: submit, then the report once the array has finished"
cp -r "$SRC/experiments" "$WORK/experiments"
$PY - "$WORK/experiments/papers/rezende-mohamed/small.sweep.json" << 'EOF'
import json, sys
path = sys.argv[1]
sweep = json.load(open(path))
sweep["set"] = {"training.steps": 40, "training.checkpoint_every": 20, "training.log_every": 10,
                "objective.eval_samples": 2000, "output.density_grid": 24}
sweep["grid"] = {"objective.target.type": ["u1", "u2"], "model.repeat": [2, 8]}
sweep["repeats"] = 1
json.dump(sweep, open(path, "w"))
EOF
R=$WORK/reproduce-rm
reproduce() { (cd "$SRC" && "$TRACTABLE" reproduce rezende-mohamed --slurm --suites "$WORK/experiments/papers" --dir "$R"); }
expect 0 "submitted array job [0-9]+ \(4 tasks\)" -- reproduce
wait_all_done "$R/sweeps/rezende-mohamed-small" 4 240
second=$(reproduce 2>&1) || fail "the second reproduce failed: $second"
grep -q "4 finished, 0 already queued or running, 0 to submit" <<<"$second" || fail "the second reproduce submitted again: $second"
grep -Eq "^(HOLDS|FAILS): U1" <<<"$second" || fail "the second reproduce printed no verdicts: $second"
[ -s "$R/report/report.html" ] && grep -q "Published beside ours" "$R/report/report.md" \
  || fail "no report after the array finished"

echo "== 5. an external simulator as a Slurm array (data.slurm)"
S=$WORK/simulator && mkdir -p "$S" && cd "$S"
cat > sim.py << 'PY'
import sys, numpy as np
theta = np.loadtxt(sys.argv[1], delimiter=",", ndmin=2)
np.savetxt(sys.argv[2], np.stack([theta[:, 0] + theta[:, 1], theta[:, 0] * theta[:, 1]], axis=1), delimiter=",")
PY
cat > npe.json << 'JSON'
{"name": "npe-slurm", "data": {"source": "external_simulator", "command": ["/usr/bin/python3", "sim.py"],
  "prior": {"type": "uniform", "low": [-1, -1], "high": [1, 1]}, "observation_dim": 2, "cache": "sims.h5",
  "batch": 250, "n_simulations": 1000, "n_test": 100, "slurm": {"time": "00:05:00"}},
 "model": {"hidden": 8, "repeat": 2, "layers": [{"type": "affine_coupling"}, {"type": "reverse"}]},
 "training": {"steps": 30, "batch_size": 64, "eval_every": 15}, "output": {"n_samples": 0, "density_grid": 0}}
JSON
# Submitted on hold and cancelled: the array leaves the queue without results, so the next run submits again.
out=$("$TRACTABLE" run npe.json --quiet --set 'data.slurm={"time":"00:05:00","extra":["--hold"]}' --out run.h5 2>&1); status=$?
job=$(grep -Eo "submitted 5 batches as array job [0-9]+" <<< "$out" | grep -Eo "[0-9]+$")
[ "$status" -eq 11 ] && [ -n "$job" ] || fail "the first run should submit 5 batches and exit 11 (exit $status): $out"
scancel "$job"
for _ in $(seq 60); do [ -z "$(squeue -h -r -j "$job" 2> /dev/null)" ] && break; sleep 1; done
expect 11 "5 of them had been submitted before, and their array left the queue without a result" -- \
  "$TRACTABLE" run npe.json --quiet --out run.h5
for _ in $(seq 90); do
  out=$("$TRACTABLE" run npe.json --quiet --out run.h5 2>&1); status=$?
  [ "$status" -eq 11 ] || break
  sleep 2
done
[ "$status" -eq 0 ] && grep -q "test NLL" <<< "$out" || fail "after the array the run should train (exit $status): $out"
$PY -c 'import json; s = json.load(open("npe.json")); del s["data"]["slurm"]; json.dump(s, open("local.json", "w"))'
"$TRACTABLE" run local.json --quiet --set data.cache=local.h5 --out local-run.h5 > /dev/null 2>&1 || fail "the local run failed"
$PY - << 'PY' || fail "the cache filled by the array differs from a local run's"
import h5py, numpy as np
a, b = h5py.File("sims.h5"), h5py.File("local.h5")
for block in ("training", "test"):
    for name in ("parameters", "observations", "status"):
        assert np.array_equal(a[block][name][()], b[block][name][()], equal_nan=True), (block, name)
PY
ls "$S"/sims.h5.slurm/logs/*.log > /dev/null 2>&1 || fail "the array tasks left no logs in sims.h5.slurm/logs"
cd "$WORK"

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "all Slurm sweep checks passed"
