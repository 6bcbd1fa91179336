#!/usr/bin/env bash
# Commit cost against what a run has accumulated and against model size, for
# this binary and optionally a baseline binary (an older layout) side by side.
#   accumulated: the quickstart flow (hidden 64), 210 steps, a commit every
#     10 steps after an evaluation storing N samples: the run's own commit
#     timer (/metrics/commit_seconds), median of the first three commits and
#     of the last three, when the run holds about ten times more.
#   model size: hidden 256 → 1024 (0.6M → 8.4M parameters), no samples.
#   load: `tractable info` on the finished run (it reads the checkpoint whole: with
#     checksums, verified), median of 5 process runs, start-up included.
# A binary from before /metrics/commit_seconds needs the timer patched in
# (training/trainer.cpp, Trainer::commit) to be measured.
# Usage: cluster/commit-cost.sh [BINARY] [BASELINE_BINARY]   (about 3 minutes per binary on 2 cores)
set -euo pipefail
BINS=("$(realpath "${1:-build/tractable}")")
[ -n "${2:-}" ] && BINS+=("$(realpath "$2")")
QS=$(realpath "$(dirname "$0")/../experiments/quickstart.json")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
disk() { du -sb "$1" "$1.d" 2> /dev/null | awk '{s += $1} END {print s}'; }

measure() {  # measure BINARY LABEL --set ...: one table row from the run's own commit timer
  local bin=$1 label=$2; shift 2
  "$bin" run "$QS" --quiet --set training.steps=210 --set training.log_every=10 --set training.checkpoint_every=10 \
    --set output.density_grid=0 "$@" --out many.h5 > /dev/null 2>&1
  # Load: `tractable info` (opens the index, reads spec, provenance, the checkpoint whole), median of 5.
  local loads=()
  for _ in 1 2 3 4 5; do
    local t0=$(date +%s%N)
    "$bin" info many.h5 > /dev/null 2>&1
    loads+=($(( ($(date +%s%N) - t0) / 1000000 )))
  done
  local load=$(printf '%s\n' "${loads[@]}" | sort -n | sed -n 3p)
  /usr/bin/python3 - "$label" "$(disk many.h5)" "$(stat -c %s many.h5)" "$bin" "$load" <<'PY'
import sys, h5py, numpy as np
label, total, index, binary, load = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
with h5py.File("many.h5") as f:
    c = f["metrics/commit_seconds"][()][1:] * 1000  # row k (step 10k + 10) holds the commit at step 10k
early, late = np.median(c[:3]), np.median(c[-3:])
print(f"| {label} | {total / 1e6:.1f} MB | {index / 1e6:.2f} MB | {early:.1f} ms | {late:.1f} ms | {late / early:.2f} | {load} ms | {binary} |")
PY
  rm -rf many.h5 many.h5.d
}

echo "| run | run data at the end | run file itself | commit, first three | commit, last three | late / early | load (info) | binary |"
echo "|---|---|---|---|---|---|---|---|"
for bin in "${BINS[@]}"; do
  for n in 0 50000 250000 1000000; do
    measure "$bin" "$n samples per evaluation, 21 evaluations" --set output.n_samples=$n --set training.eval_every=10 \
      --set training.batch_size=8
  done
  for hidden in 256 512 1024; do
    measure "$bin" "hidden $hidden, no samples" --set model.hidden=$hidden --set output.n_samples=0 \
      --set training.eval_every=0 --set training.batch_size=8
  done
done
