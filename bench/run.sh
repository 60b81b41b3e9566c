#!/usr/bin/env bash
# `make bench`: HTTP throughput of yiwang's external portal against nginx serving the same bytes
# as a static file, on loopback only (127.0.0.1). See bench/README.md.
#
#   1. creates a demo district (SQLite) in a temp dir and starts `yiwang serve` on free ports;
#   2. fetches `/` (anonymous home page, cached 5 s in memory) and `/news` (column page, rendered
#      through mustache on every request) once, writes the exact bytes under $TMP/www and starts
#      nginx on 127.0.0.1 serving them; checks both servers return identical bodies;
#   3. per page: short warm-up, then wrk against yiwang, nginx, yiwang, nginx; the better run of
#      each server counts;
#   4. prints a table and the ratio lines (the last line is the home page), writes the figures as
#      JSON outside the repository ($RESULTS);
#   5. stops yiwang and nginx and removes the temp dir on exit, whatever happens.
#
# Overrides (environment): BIN=./build/yiwang  THREADS=  (yiwang --threads; default: yiwang's own)
#   DURATION=5s  CONNECTIONS=64  WRK_THREADS=2  WARMUP=1s  RESULTS=/tmp/yiwang-bench-<date>.json
# With the defaults a run takes about 50 s (8 measured runs of 5 s plus warm-ups).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-./build/yiwang}
THREADS=${THREADS:-}
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-2}
WARMUP=${WARMUP:-1s}
STAMP=$(date +%Y%m%d-%H%M%S)
RESULTS=${RESULTS:-${TMPDIR:-/tmp}/yiwang-bench-$STAMP.json}
CORES=$(nproc)
HOST=127.0.0.1

die() { echo "bench: $*" >&2; exit 1; }

for tool in wrk nginx curl cmp; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] ||
    die "$tool not found (bash scripts/install-deps.sh, or: apt-get install -y wrk nginx-light curl)"
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$BIN" ] || die "$BIN not found or not executable (make build, or BIN=path/to/yiwang)"
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
[[ -z "$THREADS" || "$THREADS" =~ ^[1-9][0-9]*$ ]] || die "THREADS must be a positive integer"
[[ "$CONNECTIONS" =~ ^[1-9][0-9]*$ ]] || die "CONNECTIONS must be a positive integer"
[[ "$WRK_THREADS" =~ ^[1-9][0-9]*$ ]] || die "WRK_THREADS must be a positive integer"
(( CONNECTIONS >= WRK_THREADS )) || die "CONNECTIONS must be >= WRK_THREADS"

# wrk durations are like 10, 10s, 2m, 1h. A run is killed if it takes far longer than asked.
seconds_of() {
  [[ "$1" =~ ^([0-9]+)([smh]?)$ ]] || die "bad duration '$1' (use e.g. 5s, 30s, 1m)"
  local n=${BASH_REMATCH[1]}
  case ${BASH_REMATCH[2]} in m) n=$((n * 60)) ;; h) n=$((n * 3600)) ;; esac
  echo "$n"
}
RUN_LIMIT=$(( $(seconds_of "$DURATION") + 30 ))
WARMUP_LIMIT=$(( $(seconds_of "$WARMUP") + 30 ))

# ---------------------------------------------------------------- temp dir and cleanup
TMP=$(mktemp -d "${TMPDIR:-/tmp}/yiwang-bench.XXXXXX")
YW_PID=""
NGX_PID=""
. bench/lib.sh  # stop_pid (the script has cd-ed to the repository root)
cleanup() {
  set +e
  stop_pid "$NGX_PID"
  stop_pid "$YW_PID"
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- ports
port_in_use() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
TAKEN=" "
pick_port() {  # varname: a port nobody listens on, not handed out before in this run
  local p _
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 40000))
    if [[ "$TAKEN" != *" $p "* ]] && ! port_in_use "$p"; then
      TAKEN+="$p "
      printf -v "$1" '%s' "$p"
      return 0
    fi
  done
  die "no free port found"
}

# ---------------------------------------------------------------- yiwang
echo "== demo district (SQLite) in $TMP/data"
"$BIN" demo --data "$TMP/data" >"$TMP/demo.log" 2>&1 || { cat "$TMP/demo.log" >&2; die "yiwang demo failed"; }

if [ -n "$THREADS" ]; then
  YW_THREADS=$THREADS
else
  YW_THREADS=$("$BIN" check --data "$TMP/data" 2>/dev/null | sed -nE 's/^threads = ([0-9]+)$/\1/p')
  YW_THREADS=${YW_THREADS:-default}
fi

start_yiwang() {  # 0 when our process is listening and healthy; 1 when it exited (e.g. port taken)
  pick_port P1
  pick_port P2
  "$BIN" serve --data "$TMP/data" --external "$HOST:$P1" --internal "$HOST:$P2" ${THREADS:+--threads "$THREADS"} \
    >"$TMP/yiwang.log" 2>&1 &
  YW_PID=$!
  for _ in $(seq 100); do
    kill -0 "$YW_PID" 2>/dev/null || { wait "$YW_PID" 2>/dev/null || true; YW_PID=""; return 1; }
    # The "ready" line is printed after every listener is bound, so a healthy /healthz then
    # comes from this process and not from something else on the same port.
    if grep -q "http://$HOST:$P1/" "$TMP/yiwang.log" &&
       curl -fsS --max-time 2 "http://$HOST:$P1/healthz" 2>/dev/null | grep -q '"status":"ok"'; then
      return 0
    fi
    sleep 0.1
  done
  cat "$TMP/yiwang.log" >&2
  die "yiwang did not become healthy within 10 s"
}
started=0
for attempt in 1 2 3; do
  if start_yiwang; then started=1; break; fi
  echo "bench: yiwang exited on start (attempt $attempt): $(tail -1 "$TMP/yiwang.log")" >&2
done
[ "$started" = 1 ] || die "yiwang would not start"
echo "== yiwang $("$BIN" --version 2>/dev/null | head -1) on http://$HOST:$P1 (threads: $YW_THREADS, pid $YW_PID)"

# ---------------------------------------------------------------- the pages, byte for byte
# Page name, yiwang path, file under www that nginx serves at the same path.
PAGES=(home news)
declare -A PATH_OF=([home]=/ [news]=/news)
declare -A FILE_OF=([home]=index.html [news]=news)
mkdir -p "$TMP/www" "$TMP/nginx" "$TMP/check"
for page in "${PAGES[@]}"; do
  code=$(curl -sS --max-time 5 -o "$TMP/www/${FILE_OF[$page]}" -w '%{http_code}' "http://$HOST:$P1${PATH_OF[$page]}")
  [ "$code" = 200 ] || die "yiwang answered $code for ${PATH_OF[$page]}"
done
# nginx workers may run as another user (nobody when started as root): let them read www only.
chmod 711 "$TMP"
chmod 755 "$TMP/www"
chmod 644 "$TMP/www"/*

# ---------------------------------------------------------------- nginx
start_nginx() {
  pick_port P3
  rm -f "$TMP/nginx/nginx.pid"
  cat >"$TMP/nginx/nginx.conf" <<EOF
# generated by bench/run.sh
daemon off;
worker_processes $CORES;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  default_type text/html;
  charset utf-8;
  keepalive_timeout 65;
  keepalive_requests 1000;
  client_body_temp_path $TMP/nginx/body;
  proxy_temp_path $TMP/nginx/proxy;
  fastcgi_temp_path $TMP/nginx/fastcgi;
  uwsgi_temp_path $TMP/nginx/uwsgi;
  scgi_temp_path $TMP/nginx/scgi;
  server {
    listen $HOST:$P3;
    root $TMP/www;
    index index.html;
  }
}
EOF
  "$NGINX" -t -q -p "$TMP/nginx/" -e "$TMP/nginx/error.log" -c "$TMP/nginx/nginx.conf" 2>"$TMP/nginx/test.log" ||
    { cat "$TMP/nginx/test.log" "$TMP/nginx/error.log" >&2 2>/dev/null; die "nginx rejected the generated config"; }
  "$NGINX" -p "$TMP/nginx/" -e "$TMP/nginx/error.log" -c "$TMP/nginx/nginx.conf" >"$TMP/nginx/stdout.log" 2>&1 &
  NGX_PID=$!
  for _ in $(seq 100); do
    kill -0 "$NGX_PID" 2>/dev/null || { wait "$NGX_PID" 2>/dev/null || true; NGX_PID=""; return 1; }
    # The pid file is written after the listening socket is bound.
    if [ -s "$TMP/nginx/nginx.pid" ] && curl -fsS --max-time 2 -o /dev/null "http://$HOST:$P3/"; then
      return 0
    fi
    sleep 0.1
  done
  cat "$TMP/nginx/error.log" >&2
  die "nginx did not answer within 10 s"
}
started=0
for attempt in 1 2 3; do
  if start_nginx; then started=1; break; fi
  echo "bench: nginx exited on start (attempt $attempt): $(tail -1 "$TMP/nginx/error.log" 2>/dev/null)" >&2
done
[ "$started" = 1 ] || die "nginx would not start"
NGX_VERSION=$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')
echo "== $NGX_VERSION on http://$HOST:$P3 (worker_processes $CORES, pid $NGX_PID)"

# Both servers must return the same bytes before anything is measured.
declare -A BYTES
for page in "${PAGES[@]}"; do
  p=${PATH_OF[$page]}
  curl -fsS --max-time 5 -o "$TMP/check/$page.yiwang" "http://$HOST:$P1$p" || die "yiwang: GET $p failed"
  curl -fsS --max-time 5 -o "$TMP/check/$page.nginx" "http://$HOST:$P3$p" || die "nginx: GET $p failed"
  cmp -s "$TMP/check/$page.yiwang" "$TMP/check/$page.nginx" ||
    die "GET $p: yiwang and nginx bodies differ ($(cmp "$TMP/check/$page.yiwang" "$TMP/check/$page.nginx" 2>&1 || true))"
  BYTES[$page]=$(wc -c <"$TMP/check/$page.nginx")
  echo "== GET $p: identical bodies, ${BYTES[$page]} bytes"
done

# ---------------------------------------------------------------- wrk
# parse_wrk file -> "req_per_s p50_ms p99_ms requests non2xx socket_errors"
parse_wrk() {
  awk '
    function ms(v) {
      if (v ~ /us$/) return v / 1000;
      if (v ~ /ms$/) return v + 0;
      if (v ~ /m$/)  return v * 60000;
      if (v ~ /s$/)  return v * 1000;
      return v + 0;
    }
    /^ +50%/ { p50 = ms($2) }
    /^ +99%/ { p99 = ms($2) }
    /requests in/ { n = $1 }
    /^Requests\/sec:/ { rps = $2 }
    /Non-2xx or 3xx responses:/ { bad = $NF }
    /Socket errors:/ { gsub(/,/, ""); err = $4 + $6 + $8 + $10 }
    END { printf "%s %.3f %.3f %s %d %d\n", rps == "" ? "0" : rps, p50, p99, n == "" ? "0" : n, bad, err }
  ' "$1"
}

run_wrk() {  # url duration time-limit-seconds outfile
  local url=$1 dur=$2 limit=$3 out=$4
  timeout --kill-after=5 "$limit" wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$dur" --latency "$url" >"$out" 2>&1 ||
    { cat "$out" >&2; die "wrk failed against $url"; }
}

declare -A URL_OF=([yiwang]="http://$HOST:$P1" [nginx]="http://$HOST:$P3")
declare -A RUN  # [page.server.N] = parsed line
echo "== wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION --latency, warm-up $WARMUP per server, order yiwang nginx yiwang nginx"
for page in "${PAGES[@]}"; do
  for server in yiwang nginx; do
    run_wrk "${URL_OF[$server]}${PATH_OF[$page]}" "$WARMUP" "$WARMUP_LIMIT" "$TMP/warm.$page.$server.txt"
  done
  for n in 1 2; do
    for server in yiwang nginx; do
      out="$TMP/wrk.$page.$server.$n.txt"
      run_wrk "${URL_OF[$server]}${PATH_OF[$page]}" "$DURATION" "$RUN_LIMIT" "$out"
      RUN[$page.$server.$n]=$(parse_wrk "$out")
      read -r rps _ _ _ bad err <<<"${RUN[$page.$server.$n]}"
      printf '   %-5s %-6s run %d: %10.0f req/s\n' "$page" "$server" "$n" "$rps"
      # An error page is not the page being measured: the figures would mean nothing.
      [ "$bad" = 0 ] || { cat "$out" >&2; die "$server ${PATH_OF[$page]} run $n: $bad non-2xx/3xx responses"; }
      [ "$err" = 0 ] || echo "bench: WARNING: $server ${PATH_OF[$page]} run $n: $err socket errors" >&2
    done
  done
done

# ---------------------------------------------------------------- results
best_of() {  # page server -> parsed line of the faster run
  local a=${RUN[$1.$2.1]} b=${RUN[$1.$2.2]}
  awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); print (y[1] + 0 > x[1] + 0) ? b : a }'
}
declare -A BEST RATIO
for page in "${PAGES[@]}"; do
  BEST[$page.yiwang]=$(best_of "$page" yiwang)
  BEST[$page.nginx]=$(best_of "$page" nginx)
  RATIO[$page]=$(awk -v y="${BEST[$page.yiwang]%% *}" -v n="${BEST[$page.nginx]%% *}" \
    'BEGIN { printf "%.2f", (n > 0) ? y / n : 0 }')
done

echo
printf '%-6s %-7s %7s %11s %11s %11s %9s %9s\n' page server bytes "run1 req/s" "run2 req/s" "best req/s" "p50 ms" "p99 ms"
for page in "${PAGES[@]}"; do
  for server in yiwang nginx; do
    read -r r1 _ <<<"${RUN[$page.$server.1]}"
    read -r r2 _ <<<"${RUN[$page.$server.2]}"
    read -r rb p50 p99 _ <<<"${BEST[$page.$server]}"
    printf '%-6s %-7s %7s %11.0f %11.0f %11.0f %9.2f %9.2f\n' "${PATH_OF[$page]}" "$server" "${BYTES[$page]}" \
      "$r1" "$r2" "$rb" "$p50" "$p99"
  done
done
echo "(p50/p99 are from the better run; yiwang threads: $YW_THREADS, nginx worker_processes: $CORES, cores: $CORES)"

json_run() {  # parsed line -> JSON object
  read -r rps p50 p99 n bad err <<<"$1"
  printf '{"req_per_s": %s, "p50_ms": %s, "p99_ms": %s, "requests": %s, "non_2xx": %s, "socket_errors": %s}' \
    "$rps" "$p50" "$p99" "$n" "$bad" "$err"
}
{
  printf '{\n  "date": "%s",\n' "$(date -Iseconds)"
  printf '  "host": {"cores": %s, "kernel": "%s"},\n' "$CORES" "$(uname -r)"
  printf '  "yiwang": {"version": "%s", "threads": "%s", "database": "sqlite"},\n' \
    "$("$BIN" --version 2>/dev/null | head -1)" "$YW_THREADS"
  printf '  "nginx": {"version": "%s", "worker_processes": %s},\n' "$NGX_VERSION" "$CORES"
  printf '  "wrk": {"threads": %s, "connections": %s, "duration": "%s", "warmup": "%s", "runs_per_server": 2, "order": "yiwang,nginx,yiwang,nginx", "best_of": 2},\n' \
    "$WRK_THREADS" "$CONNECTIONS" "$DURATION" "$WARMUP"
  printf '  "pages": {\n'
  sep=""
  for page in "${PAGES[@]}"; do
    printf '%s    "%s": {\n      "path": "%s", "bytes": %s, "ratio": %s,\n' "$sep" "$page" "${PATH_OF[$page]}" "${BYTES[$page]}" "${RATIO[$page]}"
    for server in yiwang nginx; do
      printf '      "%s": {"best": %s,\n        "runs": [%s, %s]}%s\n' "$server" "$(json_run "${BEST[$page.$server]}")" \
        "$(json_run "${RUN[$page.$server.1]}")" "$(json_run "${RUN[$page.$server.2]}")" "$([ "$server" = yiwang ] && echo ,)"
    done
    printf '    }'
    sep=$',\n'
  done
  printf '\n  },\n  "goal": {"page": "home", "min_ratio": 0.5}\n}\n'
} >"$RESULTS"

echo
echo "results: $RESULTS"
summary() {  # page label suffix
  printf '%s: yiwang %.0f req/s, nginx %.0f req/s, ratio %s %s\n' "$2" \
    "${BEST[$1.yiwang]%% *}" "${BEST[$1.nginx]%% *}" "${RATIO[$1]}" "$3"
}
summary news "news page" "(uncached: rendered on every request; no goal)"
summary home "home page" "(goal >= 0.5)"
