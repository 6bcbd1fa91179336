#!/usr/bin/env bash
# Neural posterior estimation on two_moons: a conditional spline flow learns p(θ | x)
# from simulations, then draws posterior samples at new observations, beside the
# simulator's reference posterior, and checks its calibration.
# Run from the repository root with build/ on PATH.
set -euo pipefail
out=${TUTORIAL_OUT:-runs/tutorials}/sbi
mkdir -p "$out"
quick=() prior_draws=300
[ -z "${TUTORIAL_QUICK:-}" ] ||
  quick=(--set data.n_simulations=1000 --set training.steps=300) prior_draws=30

tractable run experiments/papers/sbi-benchmark/npe.json --out "$out/npe.h5" \
  "${quick[@]}"
# Three new (θ, x) pairs from the prior and the simulator.
tractable simulate two_moons -n 3 --seed 7 --out "$out/observed.h5"
# 1000 posterior samples at each observation, and 1000 from the reference posterior.
tractable sample "$out/npe.h5" -n 1000 --context "$out/observed.h5:/observations" \
  --out "$out/posterior.h5"
tractable simulate two_moons --reference-for "$out/observed.h5:/observations" -n 1000 \
  --out "$out/reference.h5"
# Calibration without a reference posterior: SBC ranks, HDR and TARP coverage at
# fresh (θ, x) pairs; then their plots (ranks.png, coverage.png).
tractable diagnose "$out/npe.h5" --simulations $prior_draws --draws 200 \
  --out "$out/diagnosis.h5"
/usr/bin/python3 -m analysis calibrate "$out/npe.h5" --diagnosis "$out/diagnosis.h5"
/usr/bin/python3 - "$out" <<'PY'
import sys, h5py, numpy as np
with h5py.File(f"{sys.argv[1]}/posterior.h5") as p, \
     h5py.File(f"{sys.argv[1]}/reference.h5") as r:
    ours, reference = p["samples"][()], r["reference"][()]  # [3, 1000, 2] each
print("means, ours     :", np.round(ours.mean(axis=1).astype(float), 3).tolist())
print("means, reference:", np.round(reference.mean(axis=1), 3).tolist())
PY
