#!/usr/bin/env bash
# Reproducing a paper: Rezende & Mohamed 2015's Figure 3 (planar flows of length 2, 8
# and 32 on the energies U1–U4), trained through the sweep machinery, then a report
# beside the published claims. Run from the repository root with build/ on PATH.
set -euo pipefail
dir=${TUTORIAL_OUT:-runs/tutorials}/reproduce/rezende-mohamed-small

tractable reproduce --list  # the suites and their budgets
tractable reproduce rezende-mohamed --budget small -j 2 --dir "$dir"
# The verdicts; report.html beside it has the figures too.
sed -n '/^## Claims/,/^## Figures/p' "$dir/report/report.md"
