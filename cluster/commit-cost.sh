#!/usr/bin/env bash
# Commit cost against what a run has accumulated and against model size, for
# this binary and optionally a baseline binary (an older layout) side by side.
#   accumulated: the quickstart flow (hidden 64), 210 steps, an evaluation
#     storing N samples every 10 steps; per-commit cost = (time with a commit
#     every 10 steps − time with one commit at the end) / 20, and, where the
#     binary records it (/metrics/commit_seconds), the first and last commit
#     measured directly.
#   model size: hidden 64 → 1024 (37k → 8.4M parameters), no samples.
# Usage: cluster/commit-cost.sh [BINARY] [BASELINE_BINARY]   (about 6 minutes per binary on 2 cores)
set -euo pipefail
BINS=("$(realpath "${1:-build/tractable}")")
[ -n "${2:-}" ] && BINS+=("$(realpath "$2")")
QS=$(realpath "$(dirname "$0")/../experiments/quickstart.json")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
seconds() { local t0 t1; t0=$(date +%s.%N); "$@" > /dev/null 2>&1; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
disk() { du -sb "$1" "$1.d" 2> /dev/null | awk '{s += $1} END {print s}'; }

measure() {  # measure BINARY LABEL --set ...: one table row
  local bin=$1 label=$2; shift 2
  local common=(--quiet --set training.steps=210 --set training.log_every=10 --set output.density_grid=0 "$@")
  local one many
  one=$(seconds "$bin" run "$QS" "${common[@]}" --set training.checkpoint_every=210 --out one.h5)
  many=$(seconds "$bin" run "$QS" "${common[@]}" --set training.checkpoint_every=10 --out many.h5)
  /usr/bin/python3 - "$label" "$one" "$many" "$(disk many.h5)" "$(stat -c %s many.h5)" "$bin" <<'PY'
import sys, h5py
label, one, many, total, index, binary = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
direct = "—"
with h5py.File("many.h5") as f:
    if "commit_seconds" in f["metrics"]:
        c = f["metrics/commit_seconds"][()]
        direct = f"{c[1] * 1000:.1f} → {c[-1] * 1000:.1f} ms"  # row 0 is before the first commit after creation
print(f"| {label} | {total / 1e6:.1f} MB | {index / 1e6:.2f} MB | {(many - one) / 20 * 1000:.1f} ms | {direct} | {binary} |")
PY
  rm -rf one.h5 one.h5.d many.h5 many.h5.d
}

echo "| run | run data at the end | run file itself | commit (mean, by difference) | first → last commit (measured) | binary |"
echo "|---|---|---|---|---|---|"
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
