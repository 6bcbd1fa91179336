#!/usr/bin/env bash
# Sweeps: learning rate × flow depth on 8gaussians, two seeds each (12 runs), run here two at a time,
# then one table of the results. On a cluster the same file goes to Slurm as one job array.
# Run from the repository root with build/ on PATH.
set -euo pipefail
dir=${TUTORIAL_OUT:-runs/tutorials}/sweeps/quickstart-lr-depth
sweep=experiments/sweeps/quickstart_lr_depth.json

tractable sweep $sweep --dry-run --dir "$dir"          # the 12 runs and their ids; nothing written
tractable sweep $sweep --local -j 2 --dir "$dir"       # run them; a second call trains nothing that is done
tractable status "$dir" --no-slurm                      # per run: pending, running, done, failed, preempted
tractable collect "$dir"                                # $dir/summary.csv and summary.h5
/usr/bin/python3 - "$dir/summary.csv" <<'PY'
import sys, pandas as pd
summary = pd.read_csv(sys.argv[1])
print(summary.groupby(["optimizer.lr", "model.repeat"])["eval.test_nll"].agg(["mean", "std", "count"]))
PY
# On a cluster, as a Slurm job array (resubmit the same command after a time limit: finished runs are skipped):
#   tractable sweep $sweep --slurm --partition batch --time 00:20:00 --dir "$dir"
