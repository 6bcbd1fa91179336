#!/usr/bin/env bash
# usage: run_fuzz.sh regressions FUZZER DIR   — replay every kept crash input in DIR (must all pass)
#        run_fuzz.sh short FUZZER CORPUS RUNS — a short fuzzing run from a copy of the seed corpus
set -u
mode=$1 fuzzer=$2 dir=$3
# OpenMPI keeps allocations from MPI_Init until exit, which LeakSanitizer reports as leaks: not ours.
export ASAN_OPTIONS=detect_leaks=0
if [ "$mode" = regressions ]; then
  shopt -s nullglob
  files=("$dir"/*)
  [ ${#files[@]} -eq 0 ] && { echo "no regression inputs in $dir"; exit 0; }
  exec "$fuzzer" "${files[@]}"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$dir"/. "$work"/
"$fuzzer" -runs="$4" -detect_leaks=0 -max_len=4096 -rss_limit_mb=2048 -print_final_stats=1 "$work" 2>&1 | tail -n 25
exit "${PIPESTATUS[0]}"
