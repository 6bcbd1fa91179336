#!/usr/bin/env bash
# Reverse KL on the φ⁴ lattice (L = 8): a flow learns to sample exp(−S) without data, then drives an
# independence Metropolis chain whose χ₂ is compared with HMC on the same action, in one run file.
# Run from the repository root with build/ on PATH.
set -euo pipefail
out=${TUTORIAL_OUT:-runs/tutorials}/phi4
mkdir -p "$out"
quick=()
[ -z "${TUTORIAL_QUICK:-}" ] || quick=(--set training.steps=100 --set objective.eval_samples=1000
  --set objective.mcmc.proposals=2000 --set objective.mcmc.thermalization=100
  --set objective.mcmc.hmc.chains=4 --set objective.mcmc.hmc.trajectories=100 --set objective.mcmc.hmc.thermalization=20)

tractable run experiments/papers/phi4/phi4_L8.json --out "$out/phi4.h5" "${quick[@]}"
tractable info "$out/phi4.h5"                          # /eval: KL, ESS; /mcmc: acceptance, τ_int, χ₂ of flow and HMC
/usr/bin/python3 - "$out/phi4.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1]) as f:                      # /eval/<metric>: one row per evaluation
    for sampler in ("flow", "hmc"):
        chi2, error = f[f"/eval/mcmc_{sampler}_chi2"][-1], f[f"/eval/mcmc_{sampler}_chi2_error"][-1]
        print(f"{sampler}: chi2 = {chi2:.4f} +- {error:.4f}, acceptance {f[f'/eval/mcmc_{sampler}_acceptance'][-1]:.2f}")
PY
