#!/usr/bin/env bash
# The documentation site builds with --strict from a clean copy, its generated reference pages hold what
# the binary and the registries say, and a broken link fails the build (the check can fail).
# usage: test_site.sh TRACTABLE_BIN SOURCE_DIR
set -u
BIN=$(realpath "$1")
SRC=$(realpath "$2")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

if ! command -v mkdocs > /dev/null; then echo "FAIL: mkdocs is missing (cluster/install-debian-deps.sh installs it)"; exit 1; fi
"$SRC/cluster/docs.sh" "$BIN" "$WORK/docs" > "$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; fail "the site does not build"; }
site="$WORK/docs/site"
for page in index.html getting-started/install/index.html reference/commands/index.html \
            reference/spec-types/index.html reference/exit-codes/index.html explanation/integrity/index.html \
            reference/python/index.html contributing/extending/index.html tutorials/toy-flows/index.html \
            reference/specs/index.html reference/run-file/index.html results/performance/index.html; do
  [ -s "$site/$page" ] || fail "missing page $page"
done
grep -q "tractable verify" "$site/reference/commands/index.html" || fail "commands page lacks tractable verify"
grep -q -- "--allow-changed-data" "$site/reference/commands/index.html" || fail "commands page lacks run's options"
for c in $("$BIN" --help | sed -n '/^commands:/,/^exit codes:/p' | grep -oE '^  [a-z-]+' | tr -d ' '); do
  grep -q "tractable $c</code>" "$site/reference/commands/index.html" || fail "commands page lacks a section for $c"
done
grep -q "affine_coupling" "$site/reference/spec-types/index.html" || fail "spec types page lacks affine_coupling"
grep -q "checksum" "$site/reference/exit-codes/index.html" || fail "exit codes page lacks code 9"
# Every function of the Python stubs has its entry on the Python page.
for f in $(grep -oE '^def [a-z_]+' "$SRC/python/tractable.pyi" | cut -c5-); do
  grep -q "<code>$f(" "$site/reference/python/index.html" || fail "Python page lacks $f"
done

# Every tutorial script is shown by a page (pymdownx.snippets includes it verbatim), and every tutorial page
# shows a script: what a reader copies is what CI runs (tests/docs/run_tutorial.sh).
for script in "$SRC"/docs/tutorials/*.sh "$SRC"/docs/tutorials/*.py; do
  name=docs/tutorials/$(basename "$script")
  grep -rqF --include='*.md' -e "--8<-- \"$name\"" "$SRC/docs" || fail "no page includes $name"
done
# A missing script fails the build (check_paths); an unprocessed include would show its marker.
grep -rl --include='*.html' -e '--8&lt;--' "$site" && fail "a page shows an unprocessed --8<-- include"
for page in "$SRC"/docs/tutorials/*.md; do
  grep -q -- '--8<-- "docs/tutorials/' "$page" || fail "tutorial page $(basename "$page") includes no script"
done

# Two pages as Debian's headless Chromium renders them: not blank (many colours, text in the middle).
for page in index.html reference/commands/index.html; do
  shot="$WORK/$(echo "$page" | tr / _).png"
  timeout 120 chromium --headless --no-sandbox --disable-gpu --window-size=1280,900 --screenshot="$shot" \
    "file://$site/$page" > "$WORK/chromium.log" 2>&1 || { tail -n 5 "$WORK/chromium.log"; fail "chromium could not render $page"; continue; }
  /usr/bin/python3 - "$shot" <<'PY' || fail "the screenshot of $page looks blank"
import sys
import matplotlib.image as image
import numpy as np
pixels = image.imread(sys.argv[1])[..., :3]
colours = len(np.unique((pixels.reshape(-1, 3) * 255).astype(int), axis=0))
middle = pixels[100:800, 280:980]  # the content column
dark = float((middle.mean(axis=2) < 0.5).mean())
assert colours > 50 and dark > 0.01, (colours, dark)
PY
done

# --strict is real: a link to a page that does not exist fails the build.
cp -r "$WORK/docs/src" "$WORK/broken"
echo "[gone](no-such-page.md)" >> "$WORK/broken/docs/index.md"
(cd "$WORK/broken" && mkdocs build --strict --quiet -d "$WORK/broken-site" > "$WORK/broken.log" 2>&1) &&
  fail "mkdocs --strict accepted a broken link"

if [ "$failures" -gt 0 ]; then echo "$failures docs check(s) failed"; exit 1; fi
echo "docs site: all checks passed"
