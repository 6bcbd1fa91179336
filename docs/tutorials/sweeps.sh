#!/usr/bin/env bash
# Sweeps: learning rate × flow depth on 8gaussians, two seeds each (12 runs), run here
# two at a time, then one table of the results. On a cluster the same file goes to
# Slurm as one job array. Run from the repository root with build/ on PATH.
set -euo pipefail
dir=${TUTORIAL_OUT:-runs/tutorials}/sweeps/quickstart-lr-depth
sweep=experiments/sweeps/quickstart_lr_depth.json

tractable sweep $sweep --dry-run --dir "$dir"     # the 12 runs and their ids
tractable sweep $sweep --local -j 2 --dir "$dir"  # a second call trains nothing done
tractable status "$dir" --no-slurm                # pending, running, done, failed, …
tractable collect "$dir"                          # $dir/summary.csv and summary.h5
/usr/bin/python3 - "$dir/summary.csv" <<'PY'
import sys, pandas as pd
summary = pd.read_csv(sys.argv[1])
nll = summary.groupby(["optimizer.lr", "model.repeat"])["eval.test_nll"]
print(nll.agg(["mean", "std", "count"]))
PY
# On a cluster, one Slurm job array; after a time limit resubmit the same command
# (finished runs are skipped, the others resume):
#   tractable sweep $sweep --slurm --partition batch --time 00:20:00 --dir "$dir"
