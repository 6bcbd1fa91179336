#!/usr/bin/env bash
# One tutorial of the site (docs/tutorials/NAME.sh or .py) as a reader runs it — from the repository
# root, with the build's tractable on PATH and its Python module importable — at the small budget
# CI gives every tutorial (TUTORIAL_QUICK=1), its results in a fresh directory. Fails when the
# script fails, so a tutorial cannot rot.
# usage: run_tutorial.sh TRACTABLE_BIN SOURCE_DIR TUTORIAL
set -euo pipefail
BIN_DIR=$(dirname "$(realpath "$1")")
SRC=$(realpath "$2")
TUTORIAL=$3
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
cd "$SRC"
export PATH="$BIN_DIR:$PATH" PYTHONPATH="$BIN_DIR/python${PYTHONPATH:+:$PYTHONPATH}" TUTORIAL_QUICK=1 TUTORIAL_OUT="$OUT" MPLBACKEND=Agg
case "$TUTORIAL" in
  *.py) /usr/bin/python3 "$TUTORIAL" ;;
  *.sh) bash "$TUTORIAL" ;;
  *) echo "run_tutorial.sh: $TUTORIAL is neither .sh nor .py" >&2; exit 2 ;;
esac
echo "tutorial $TUTORIAL: passed"
