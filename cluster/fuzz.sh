#!/usr/bin/env bash
# The libFuzzer targets (tests/fuzz/): builds them with clang, AddressSanitizer
# and coverage instrumentation in build-fuzz/, then
#   cluster/fuzz.sh                 runs ctest there: every kept crash input + a short run per target
#   cluster/fuzz.sh TARGET SECONDS  fuzzes one target (fuzz_spec, fuzz_csv, fuzz_idx, fuzz_run_file) for a long run;
#                                   new corpus entries go to build-fuzz/corpus/TARGET, crashes to build-fuzz/crash-*
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang++ > /dev/null || { echo "fuzz: clang++ is missing (apt-get install clang)"; exit 1; }
cmake -S . -B build-fuzz -DTRACTABLE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo > build-fuzz.log 2>&1 || { tail -n 40 build-fuzz.log; exit 1; }
cmake --build build-fuzz -j "$(nproc)" >> build-fuzz.log 2>&1 || { grep -E "error" build-fuzz.log | head -n 40; exit 1; }
if [ $# -eq 0 ]; then
  exec ctest --test-dir build-fuzz --output-on-failure -j "$(nproc)"
fi
target=$1 seconds=${2:-3600}
mkdir -p "build-fuzz/corpus/$target"
cp -rn "tests/fuzz/corpus/$target/." "build-fuzz/corpus/$target/"
export ASAN_OPTIONS=detect_leaks=0  # OpenMPI's MPI_Init allocations, kept until exit
exec "build-fuzz/tests/fuzz/$target" -max_total_time="$seconds" -detect_leaks=0 -max_len=4096 -rss_limit_mb=2048 \
  -artifact_prefix=build-fuzz/ -print_final_stats=1 "build-fuzz/corpus/$target"
