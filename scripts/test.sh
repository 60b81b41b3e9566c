#!/usr/bin/env bash
# `make test`: every test, on SQLite and on a throw-away PostgreSQL 15 cluster.
#   1. unit tests (pure logic)                         ctest: unit
#   2. store tests on SQLite and PostgreSQL             ctest: store
#   3. HTTP tests over loopback against the real binary (node --test tests/http)
#   4. browser tests in Debian's chromium via playwright-core (node --test tests/e2e)
# Prints one closing line "N passed, M failed" and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export YIWANG_BIN="$PWD/$BUILD/yiwang"

pgroot=$(mktemp -d /tmp/yiwang-pg.XXXXXX)
chmod 755 "$pgroot"
cleanup() { bash scripts/pg-temp.sh stop "$pgroot/pg" >/dev/null 2>&1; rm -rf "$pgroot"; }
trap cleanup EXIT
port=$(( 20000 + RANDOM % 20000 ))
if ! YIWANG_TEST_PG=$(bash scripts/pg-temp.sh start "$pgroot/pg" "$port"); then
  echo "FAILED: could not start PostgreSQL for the tests" >&2
  exit 1
fi
export YIWANG_TEST_PG
echo "== PostgreSQL test cluster: $YIWANG_TEST_PG"

passed=0; failed=0
count() {  # name, exit status, passed, failed
  echo "== $1: $3 passed, $4 failed (exit $2)"
  passed=$((passed + $3)); failed=$((failed + $4))
  if [ "$2" != 0 ] && [ "$4" = 0 ]; then failed=$((failed + 1)); fi
}

gtest_counts() {  # parses gtest output file
  local p f
  p=$(grep -E '^\[  PASSED  \] [0-9]+ test' "$1" | tail -1 | sed -E 's/.*\] ([0-9]+) test.*/\1/')
  f=$(grep -E '^\[  FAILED  \] [0-9]+ test' "$1" | tail -1 | sed -E 's/.*\] ([0-9]+) test.*/\1/')
  echo "${p:-0} ${f:-0}"
}

out=$(mktemp)
"$BUILD/yiwang_unit_tests" 2>&1 | tee "$out" | grep -E '^\[  (FAILED|PASSED) |Failure' ; st=${PIPESTATUS[0]}
count "unit tests" "$st" $(gtest_counts "$out")

"$BUILD/yiwang_store_tests" 2>&1 | tee "$out" | grep -E '^\[  (FAILED|PASSED) |Failure' ; st=${PIPESTATUS[0]}
count "store tests (SQLite + PostgreSQL)" "$st" $(gtest_counts "$out")

node_counts() {
  local p f
  p=$(grep -E '^# pass [0-9]+' "$1" | tail -1 | awk '{print $3}')
  f=$(grep -E '^# fail [0-9]+' "$1" | tail -1 | awk '{print $3}')
  echo "${p:-0} ${f:-0}"
}
for suite in http e2e; do
  files=$(ls tests/$suite/*.test.mjs 2>/dev/null)
  [ -n "$files" ] || continue
  node --test --test-reporter=tap --test-concurrency=1 $files > "$out" 2>&1; st=$?
  grep -E '^not ok|^# (pass|fail)' "$out"
  if [ "$st" != 0 ]; then
    # Every failed test at any depth (a file's subtests are indented), each with its diagnostics,
    # and the whole TAP log kept for reading afterwards.
    mkdir -p "$BUILD/test-logs" && cp "$out" "$BUILD/test-logs/$suite.tap"
    awk '/^ *not ok /{n=40} n>0{print; n--}' "$out" | head -400
    echo "== full $suite log: $BUILD/test-logs/$suite.tap"
  fi
  count "$suite tests" "$st" $(node_counts "$out")
done
rm -f "$out"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
