#!/usr/bin/env bash
# Toy flows: a RealNVP fitted to samples of 8gaussians (maximum likelihood), then a
# flow fitted to the unnormalised density U1 (reverse KL).
# Run from the repository root with build/ on PATH.
set -euo pipefail
out=${TUTORIAL_OUT:-runs/tutorials}/toy-flows
mkdir -p "$out"
quick=()  # CI runs every tutorial with a small budget
[ -z "${TUTORIAL_QUICK:-}" ] || quick=(--set training.steps=300)

tractable run experiments/quickstart.json --out "$out/8gaussians.h5" "${quick[@]}"
# Test NLL; the true entropy of 8gaussians is 2.831 nats.
tractable eval "$out/8gaussians.h5"
tractable sample "$out/8gaussians.h5" -n 5 --format csv
# Learning curves and density.png, beside the run file.
/usr/bin/python3 -m analysis plot "$out/8gaussians.h5"

tractable run experiments/reverse_kl_u1.json --out "$out/u1.h5" "${quick[@]}"
# /eval holds KL(q||p), with log Z by quadrature.
tractable info "$out/u1.h5"
