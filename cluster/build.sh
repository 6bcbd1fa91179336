#!/usr/bin/env bash
# Dependencies (if missing) + a Release build in build/. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -eq 0 ] && command -v apt-get > /dev/null; then
  cluster/install-debian-deps.sh
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > build.log 2>&1 || { tail -n 40 build.log; exit 1; }
cmake --build build -j "$(nproc)" >> build.log 2>&1 || { grep -E "error|Error" build.log | head -n 40; exit 1; }
echo "built: build/tractable"
