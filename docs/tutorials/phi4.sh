#!/usr/bin/env bash
# Reverse KL on the φ⁴ lattice (L = 8): a flow learns to sample exp(−S) without data,
# then drives an independence Metropolis chain whose χ₂ is compared with HMC on the
# same action, in one run file.
# Run from the repository root with build/ on PATH.
set -euo pipefail
out=${TUTORIAL_OUT:-runs/tutorials}/phi4
mkdir -p "$out"
quick=()
[ -z "${TUTORIAL_QUICK:-}" ] || quick=(--set training.steps=100
  --set objective.eval_samples=1000 --set objective.mcmc.proposals=2000
  --set objective.mcmc.thermalization=100 --set objective.mcmc.hmc.chains=4
  --set objective.mcmc.hmc.trajectories=100 --set objective.mcmc.hmc.thermalization=20)

tractable run experiments/papers/phi4/phi4_L8.json --out "$out/phi4.h5" \
  "${quick[@]}"
# /eval: KL, ESS; the chains' acceptance, τ_int and χ₂, for the flow and for HMC.
tractable info "$out/phi4.h5"
/usr/bin/python3 - "$out/phi4.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1]) as f:  # /eval/<metric>: one row per evaluation
    for s in ("flow", "hmc"):
        chi2, error = f[f"/eval/mcmc_{s}_chi2"][-1], f[f"/eval/mcmc_{s}_chi2_error"][-1]
        acceptance = f[f"/eval/mcmc_{s}_acceptance"][-1]
        print(f"{s}: chi2 = {chi2:.4f} +- {error:.4f}, acceptance {acceptance:.2f}")
PY
