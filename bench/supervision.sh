#!/usr/bin/env bash
# `make bench-supervision`: the monitor tick with 1,000,000 open deadlines (10,000 due in the
# window) beside a full scan of the same table, and the stats figures' latency at 1,000,000
# cases. SQLite with the app's pragmas, in a temp dir removed on exit. See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" --target yiwang yiwang_bench_supervision -j "$(nproc)" >/dev/null
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
"$BUILD/yiwang" demo --data "$TMP/data" >/dev/null
"$BUILD/yiwang_bench_supervision" "$TMP/data"
