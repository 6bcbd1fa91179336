#!/usr/bin/env bash
# The documentation site: docs/ and mkdocs.yml copied to OUT/src, the reference pages generated there
# from the binary (docs/gen_reference.py), then `mkdocs build --strict` into OUT/site (Debian's mkdocs
# and mkdocs-material). Generated pages are never committed, so they cannot go stale.
# Usage: cluster/docs.sh [TRACTABLE_BIN] [OUT]   (defaults: build/tractable, build/docs)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(realpath "${1:-$SRC/build/tractable}")
OUT=$(realpath -m "${2:-$SRC/build/docs}")
command -v mkdocs > /dev/null || { echo "docs: mkdocs is missing (apt-get install mkdocs mkdocs-material)" >&2; exit 1; }
rm -rf "$OUT/src" "$OUT/site"
mkdir -p "$OUT/src"
cp -r "$SRC/docs" "$SRC/mkdocs.yml" "$OUT/src/"
for figures in "$SRC"/experiments/papers/*/figures; do   # the results pages show the suites' committed figures
  suite=$(basename "$(dirname "$figures")")
  mkdir -p "$OUT/src/docs/figures/papers/$suite" && cp -r "$figures" "$OUT/src/docs/figures/papers/$suite/"
done
/usr/bin/python3 "$SRC/docs/gen_reference.py" "$BIN" "$SRC" "$OUT/src/docs"
rm "$OUT/src/docs/gen_reference.py"
(cd "$OUT/src" && mkdocs build --strict --quiet -d "$OUT/site")
echo "site: $OUT/site/index.html"
