#!/usr/bin/env bash
# Makes data/sbibm/sbibm_<task>.h5: the simulation-based inference benchmark's
# own data (Lueckmann et al. 2021) — for each task its 10 official
# observations, the parameters that made them and 10,000 reference posterior
# samples each — from the sbibm wheel on PyPI (pinned version and SHA-256),
# converted once by analysis/sbibm_data.py. Idempotent: does nothing when the
# files are there.
#   TRACTABLE_SBIBM_WHEEL  use this wheel instead of fetching (offline machines); without it, a failed
#                          download falls back to ../shared/data/sbibm/ beside the checkout (or beside a
#                          local origin it was cloned from), the same data converted by the workplace
#   TRACTABLE_SBIBM_OUT    output directory (default data/sbibm)
# The fixed arrays of bernoulli_glm and slcp_distractors (design matrix, distractor mixture, permutation) are
# rebuilt by the simulators from the seed sbibm drew them with; the wheel keeps them only as PyTorch
# pickles, the shared copy as HDF5 (`aux/`), which the tests compare them with where it is reached.
set -euo pipefail
[ -n "${TRACTABLE_SBIBM_WHEEL:-}" ] && TRACTABLE_SBIBM_WHEEL=$(realpath -m "$TRACTABLE_SBIBM_WHEEL")
[ -n "${TRACTABLE_SBIBM_OUT:-}" ] && TRACTABLE_SBIBM_OUT=$(realpath -m "$TRACTABLE_SBIBM_OUT")
cd "$(dirname "$0")/.."

VERSION=1.1.0
EXPECTED_SHA256=12ecc6b4d327b92f9225f08faa6405e4274fb8e75943d86a53157d1b1bcfaf74
OUT=${TRACTABLE_SBIBM_OUT:-data/sbibm}
TASKS="two_moons gaussian_linear gaussian_linear_uniform slcp slcp_distractors bernoulli_glm gaussian_mixture sir lotka_volterra"
complete() { for t in $TASKS; do [ -f "$OUT/sbibm_$t.h5" ] || return 1; done; }
FALLBACK=$(realpath -m "$PWD/../shared/data/sbibm")
origin=$(git remote get-url origin 2> /dev/null || true)
if [ ! -d "$FALLBACK" ] && [ -n "$origin" ] && [ -d "$origin" ]; then
  FALLBACK=$(realpath -m "$origin/../shared/data/sbibm")
fi
# Beside the wheel's data, where the workplace's shared copy is reached: sbibm's fixed arrays as HDF5 (the tests
# check the simulators' rebuilt ones against them) and the published results of every algorithm (the figure
# data of sbi-benchmark/results, in no registry package; the benchmark suite's report shows them beside ours).
whole_copy() { cp "$1" "$2.partial" && mv "$2.partial" "$2"; }  # whole or not at all
copy_extras() {
  mkdir -p "$OUT"
  for t in bernoulli_glm slcp_distractors; do
    [ -f "$FALLBACK/sbibm_$t.h5" ] && [ ! -f "$OUT/sbibm_${t}_aux.h5" ] && whole_copy "$FALLBACK/sbibm_$t.h5" "$OUT/sbibm_${t}_aux.h5"
  done
  for f in sbibm_published.csv sbibm_published_per_observation.csv; do
    [ -f "$FALLBACK/$f" ] && [ ! -f "$OUT/$f" ] && whole_copy "$FALLBACK/$f" "$OUT/$f"
  done
  return 0
}
complete && { copy_extras; echo "sbibm: $OUT present"; exit 0; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
wheel=
if [ -n "${TRACTABLE_SBIBM_WHEEL:-}" ]; then
  wheel=$TRACTABLE_SBIBM_WHEEL
elif timeout 300 /usr/bin/python3 -m pip download --quiet --no-deps --only-binary :all: "sbibm==$VERSION" \
       -d "$work" > /dev/null 2>&1; then
  wheel=$(ls "$work"/sbibm-"$VERSION"-*.whl)
fi
mkdir -p "$OUT"
if [ -n "$wheel" ]; then
  actual=$(sha256sum "$wheel" | cut -d' ' -f1)
  if [ "$actual" != "$EXPECTED_SHA256" ]; then
    echo "sbibm: checksum mismatch for $wheel: sha256 $actual, expected $EXPECTED_SHA256 (corrupt or not sbibm $VERSION)" >&2
    exit 1
  fi
  /usr/bin/python3 -m analysis.sbibm_data "$wheel" "$OUT"
elif [ -d "$FALLBACK" ]; then
  echo "sbibm: 'pip download sbibm==$VERSION' failed (PyPI unreachable?); using $FALLBACK"
  for t in $TASKS; do whole_copy "$FALLBACK/sbibm_$t.h5" "$OUT/sbibm_$t.h5"; done
else
  echo "sbibm: 'pip download sbibm==$VERSION' failed and neither TRACTABLE_SBIBM_WHEEL nor $FALLBACK is there" >&2
  exit 1
fi
copy_extras
complete || { echo "sbibm: $OUT is incomplete" >&2; exit 1; }
echo "sbibm: wrote $OUT (sbibm $VERSION)"
