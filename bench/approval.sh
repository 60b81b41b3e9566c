#!/usr/bin/env bash
# `make bench-approval`: completed approval cases per second over HTTP (submit → conclude, every
# commit durable) on SQLite, beside raw SQLite single-row durable inserts per second measured in
# the same run; then the same with 1,000,000 cases already in the database. See bench/README.md.
#
#   1. compiles bench/sqlite-inserts.cpp and bench/bulkload-cases.cpp into a temp dir (g++,
#      libsqlite3); creates a demo district (SQLite) there and serves it on free loopback ports;
#   2. copies the demo's data dir (no node running) and bulk-loads CASES cases into the copy;
#   3. REPEAT times, alternating the empty and the loaded database (so that a change in the
#      shared disk's speed falls on both alike): starts a node on it, measures the baseline
#      (raw single-row inserts, each in its own BEGIN IMMEDIATE ... COMMIT with the app's
#      pragmas, WAL and synchronous=FULL, into a new file in the same temp dir), runs
#      bench/approval-driver.mjs (C workers run whole cases for a fixed time after a warm-up),
#      waits until the exchange pump has delivered every packet the run produced (reported:
#      work the run left behind), measures the baseline again, stops the node. A run's ratio
#      is its cases/s over the mean of the two baselines around it;
#   4. PROFILE=1: after the last run on each database, a few cases one at a time, for server CPU
#      time and fsyncs per action (CPU time per case does not depend on the disk's speed);
#   5. bench/approval-summary.mjs prints every run, the best run of each phase, its ratio, the
#      slowdown, PASS/MISS against the goals (>= 300 cases/s; at most 20 % slower with the
#      cases loaded), and writes everything as JSON outside the repository ($RESULTS).
# A missed goal is reported, not an error: the exit code is non-zero only when something broke
# (a build step, the node, an unexpected HTTP status in the driver).
#
# Overrides (environment): BIN=./build/yiwang  THREADS= (yiwang --threads; default: its own)
#   CONCURRENCY=8  DURATION=20  WARMUP=3 (seconds)  REPEAT=2 (runs per phase)  BASELINE=5
#   (seconds of inserts)  CASES=1000000 (preloaded cases; 0 skips the second phase)  PROFILE=0
#   (1: also CPU and fsync/fdatasync per action, with strace)  KEEP=0 (1: keep the temp dir)
#   RESULTS=/tmp/yiwang-bench-approval-<date>.json
# Needs about 2 GB free in $TMPDIR (or /tmp) for the 1M-case database. About 5 minutes with the
# defaults (7 with PROFILE=1).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-./build/yiwang}
THREADS=${THREADS:-}
CONCURRENCY=${CONCURRENCY:-8}
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-3}
BASELINE=${BASELINE:-5}
REPEAT=${REPEAT:-2}
CASES=${CASES:-1000000}
PROFILE=${PROFILE:-0}
KEEP=${KEEP:-0}
STAMP=$(date +%Y%m%d-%H%M%S)
RESULTS=${RESULTS:-${TMPDIR:-/tmp}/yiwang-bench-approval-$STAMP.json}
HOST=127.0.0.1
GOAL_CASES_PER_S=300
GOAL_MAX_SLOWDOWN_PCT=20

die() { echo "bench-approval: $*" >&2; exit 1; }

for tool in node g++ curl sqlite3; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found (bash scripts/install-deps.sh)"
done
[ -f /usr/include/sqlite3.h ] || die "sqlite3.h not found (apt-get install -y libsqlite3-dev)"
[ -f /usr/include/nlohmann/json.hpp ] || die "nlohmann/json.hpp not found (apt-get install -y nlohmann-json3-dev)"
[ "$PROFILE" = 0 ] || command -v strace >/dev/null 2>&1 || die "PROFILE=1 needs strace (apt-get install -y strace)"
[ -x "$BIN" ] || die "$BIN not found: cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j2"
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
grep -qs '^CMAKE_BUILD_TYPE:STRING=Release$' "$(dirname "$BIN")/CMakeCache.txt" ||
  echo "bench-approval: WARNING: $BIN does not look like a Release build" >&2
for v in CONCURRENCY DURATION BASELINE REPEAT; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer"
done
[[ "$WARMUP" =~ ^[0-9]+$ ]] || die "WARMUP must be a non-negative integer"
[[ "$CASES" =~ ^[0-9]+$ ]] || die "CASES must be a non-negative integer"
[[ -z "$THREADS" || "$THREADS" =~ ^[1-9][0-9]*$ ]] || die "THREADS must be a positive integer"

# ---------------------------------------------------------------- temp dir and cleanup
TMP=$(mktemp -d "${TMPDIR:-/tmp}/yiwang-bench-approval.XXXXXX")
DATA=$TMP/empty  # the data dir of the node being run: $TMP/empty or $TMP/full
DB=$DATA/yiwang.db
YW_PID=""
STRACE_PID=""
. bench/lib.sh  # stop_pid, pick_port, serve_yiwang (the script has cd-ed to the repository root)
cleanup() {
  set +e
  stop_pid "$STRACE_PID"
  stop_pid "$YW_PID"
  if [ "$KEEP" = 1 ]; then echo "bench-approval: kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- helpers
echo "== compiling the baseline and the bulk loader (g++ -O2, libsqlite3)"
g++ -O2 -std=c++20 bench/sqlite-inserts.cpp -lsqlite3 -o "$TMP/sqlite-inserts"
g++ -O2 -std=c++20 bench/bulkload-cases.cpp -lsqlite3 -o "$TMP/bulkload-cases"

serve() {
  serve_yiwang "$DATA" "$TMP/yiwang.log"
  echo "== yiwang serving http://$HOST:$P1 (external), http://$HOST:$P2 (internal), pid $YW_PID, threads ${THREADS:-default}"
}

baseline() {  # label: one measurement into BASE_LAST
  local f="$TMP/baseline.db" line
  line=$("$TMP/sqlite-inserts" "$f" "$BASELINE") || die "baseline failed"
  rm -f "$f" "$f-wal" "$f-shm"
  BASE_LAST=${line#inserts_per_s=}
  BASE_LAST=${BASE_LAST%% *}
  echo "   baseline ($1): $BASE_LAST inserts/s  [$line]"
}

sql() { sqlite3 -cmd ".timeout 10000" "$DB" "$@"; }

drain() {  # waits until the exchange outbox is empty; sets BACKLOG, DRAIN, PUMP_RATE
  local left backlog t0 t
  backlog=$(sql "SELECT COUNT(*) FROM exchange_outbox WHERE acked_at = 0")
  t0=$(date +%s.%N)
  left=$backlog
  for _ in $(seq 600); do
    [ "$left" = 0 ] && break
    sleep 0.5
    left=$(sql "SELECT COUNT(*) FROM exchange_outbox WHERE acked_at = 0")
  done
  [ "$left" = 0 ] || die "the exchange pump left $left packets undelivered 300 s after the run"
  t=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  BACKLOG=$backlog
  DRAIN=$t
  echo "   exchange: $backlog packets still queued when the run ended, all delivered $t s later"
  # What the pump did for this run's packets: how many, how big, how long from the sending
  # transaction to the acknowledgement, and packets delivered per second while it was busy.
  sql -separator ' ' "SELECT to_zone, COUNT(*), CAST(AVG(LENGTH(body)) AS INT), CAST(AVG(acked_at - created_at) AS INT),
      MAX(acked_at - created_at) FROM exchange_outbox WHERE id > $OUTBOX0 GROUP BY to_zone ORDER BY to_zone DESC" |
    while read -r zone n bytes mean max; do
      echo "   exchange to $zone: $n packets, mean $bytes bytes, delivered after mean $mean ms (max $max ms)"
    done
  PUMP_RATE=$(sql "SELECT ROUND(COUNT(*) * 1000.0 / MAX(1, MAX(acked_at) - MIN(created_at)), 1) FROM exchange_outbox WHERE id > $OUTBOX0")
  echo "   exchange pump: $PUMP_RATE packets/s from the run's first packet to its last acknowledgement"
}

drive() {  # run-name label
  OUTBOX0=$(sql "SELECT COALESCE(MAX(id), 0) FROM exchange_outbox")
  node bench/approval-driver.mjs --external "http://$HOST:$P1" --internal "http://$HOST:$P2" \
    --accounts "$DATA/demo-accounts.json" --concurrency "$CONCURRENCY" --duration "$DURATION" --warmup "$WARMUP" \
    --label "$2" --json "$TMP/driver-$1.json" | sed 's/^/   /' || die "driver failed ($2)"
}

profile() {  # name: what each action costs, a few cases one at a time; CPU pass, then an strace pass
  local name=$1 pass
  echo "== profile ($name): 5 cases one at a time, 400 ms pause after each action; pass 1 server CPU, pass 2 under strace"
  for pass in cpu sync; do
    if [ "$pass" = sync ]; then
      strace -f -qq -e trace=fsync,fdatasync -ttt -p "$YW_PID" -o "$TMP/strace-$name.txt" 2>"$TMP/strace.err" &
      STRACE_PID=$!
      sleep 1
    fi
    node bench/approval-driver.mjs --external "http://$HOST:$P1" --internal "http://$HOST:$P2" \
      --accounts "$DATA/demo-accounts.json" --cases 5 --concurrency 1 --pause-ms 400 --server-pid "$YW_PID" \
      --trace "$TMP/trace-$name-$pass.txt" --json "$TMP/driver-profile-$name-$pass.json" >"$TMP/driver-profile-$name-$pass.txt" ||
      { cat "$TMP/driver-profile-$name-$pass.txt" >&2; die "driver failed (profile, $pass)"; }
  done
  sleep 1
  stop_pid "$STRACE_PID"
  STRACE_PID=""
  node bench/approval-profile.mjs --cpu-trace "$TMP/trace-$name-cpu.txt" --driver "$TMP/driver-profile-$name-cpu.json" \
    --sync-trace "$TMP/trace-$name-sync.txt" --strace "$TMP/strace-$name.txt" --json "$TMP/profile-$name.json" | sed 's/^/   /'
}

run_once() {  # name label run: serve the phase's data, baseline, driver, drain, baseline, stop
  local name=$1 label=$2 i=$3 before after in_db
  DATA=$TMP/$name
  DB=$DATA/yiwang.db
  serve
  in_db=$(sql "SELECT COUNT(*) FROM cases")
  echo "== approval cases, $label, run $i of $REPEAT: $CONCURRENCY workers, warm-up ${WARMUP} s, measured ${DURATION} s"
  baseline "before the run"
  before=$BASE_LAST
  drive "$name-$i" "$label"
  drain
  baseline "after the run"
  after=$BASE_LAST
  printf '{"phase": "%s", "run": %s, "label": "%s", "cases_in_db": %s, "baseline_before": %s, "baseline_after": %s, "exchange_backlog": %s, "exchange_drain_s": %s, "pump_packets_per_s": %s, "driver": %s}\n' \
    "$name" "$i" "$label" "$in_db" "$before" "$after" "$BACKLOG" "$DRAIN" "$PUMP_RATE" \
    "$(cat "$TMP/driver-$name-$i.json")" >"$TMP/run-$name-$i.json"
  if [ "$PROFILE" != 0 ] && [ "$i" = "$REPEAT" ]; then profile "$name"; fi
  stop_pid "$YW_PID"
  YW_PID=""
}

# ---------------------------------------------------------------- the two databases
# Both start as the same demo district; the second then gets CASES cases. The runs alternate
# (empty, loaded, empty, loaded, ...) so that a change in the shared disk's speed during the
# benchmark falls on both phases alike.
echo "== demo district (SQLite) in $TMP/empty"
"$BIN" demo --data "$TMP/empty" >"$TMP/demo.log" 2>&1 || { cat "$TMP/demo.log" >&2; die "yiwang demo failed"; }
LOAD_SECONDS=0
DB_MB=0
FULL_LABEL=""
if [ "$CASES" -gt 0 ]; then
  cp -a "$TMP/empty" "$TMP/full"
  DB=$TMP/full/yiwang.db
  echo "== a copy in $TMP/full; bulk-loading $CASES cases into it (no node running)"
  "$TMP/bulkload-cases" "$DB" --cases "$CASES" | tee "$TMP/bulkload.txt" | sed 's/^/   /'
  LOAD_SECONDS=$(sed -nE 's/.*seconds=([0-9.]+).*/\1/p' "$TMP/bulkload.txt")
  DB_MB=$(( $(stat -c %s "$DB") / 1048576 ))
  FULL_LABEL="$(sql "SELECT COUNT(*) FROM cases") cases in the database"
  echo "   database: $(sql "SELECT COUNT(*) FROM cases") cases, $(sql "SELECT COUNT(*) FROM case_events") case events, $DB_MB MiB"
  # The load leaves a gigabyte or more of dirty pages: let them reach the disk before fsyncs are timed.
  echo "   sync (writing back the load)"
  sync
fi

# ---------------------------------------------------------------- the runs
echo "== baseline: raw SQLite single-row durable inserts (WAL, synchronous=FULL, BEGIN IMMEDIATE per row), ${BASELINE} s, before and after every run"
for i in $(seq "$REPEAT"); do
  run_once empty "empty database" "$i"
  [ "$CASES" = 0 ] || run_once full "$FULL_LABEL" "$i"
done

# ---------------------------------------------------------------- results
YW_VERSION=$("$BIN" --version 2>/dev/null | head -1)
node bench/approval-summary.mjs --dir "$TMP" --out "$RESULTS" --version "$YW_VERSION" --threads "${THREADS:-default}" \
  --settings "{\"concurrency\": $CONCURRENCY, \"duration_s\": $DURATION, \"warmup_s\": $WARMUP, \"baseline_s\": $BASELINE, \"repeat\": $REPEAT, \"preload\": $CASES, \"load_s\": $LOAD_SECONDS, \"db_mib\": $DB_MB}" \
  --min-cases-per-s "$GOAL_CASES_PER_S" --max-slowdown-pct "$GOAL_MAX_SLOWDOWN_PCT"
