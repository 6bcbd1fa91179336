#!/usr/bin/env bash
# Commit cost against run-file size: the same run with 1 and with 21 commits; the difference / 20.
BIN=$(realpath "${1:-build/tractable}")
QS=$(realpath "$(dirname "$0")/../experiments/quickstart.json")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
for hidden in 64 256 512 1024; do
  common=(--quiet --set model.hidden=$hidden --set training.batch_size=8 --set training.steps=210 --set training.eval_every=0
          --set output.n_samples=0 --set output.density_grid=0 --set training.log_every=210)
  t0=$(date +%s.%N); "$BIN" run "$QS" "${common[@]}" --set training.checkpoint_every=210 --out one.h5 > /dev/null 2>&1
  t1=$(date +%s.%N); "$BIN" run "$QS" "${common[@]}" --set training.checkpoint_every=10 --out many.h5 > /dev/null 2>&1
  t2=$(date +%s.%N)
  size=$(stat -c %s many.h5)
  python3 -c "print(f'hidden {$hidden}: run file {$size/1e6:.1f} MB, commit {(($t2-$t1)-($t1-$t0))/20*1000:.1f} ms')"
  rm -f one.h5 many.h5
done
