# Shared by the bench scripts (sourced): stopping a background process politely; free ports; a node.
stop_pid() {  # pid [tenths of a second to wait]: TERM, wait, then KILL
  local pid=$1 wait=${2:-100}
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq "$wait"); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Free loopback ports and a yiwang node on them. The caller sets HOST, BIN, THREADS (may be
# empty) and defines die().
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

start_yiwang() {  # data_dir log: 0 when our process listens and is healthy (P1, P2, YW_PID set); 1 when it exited
  local data=$1 log=$2
  pick_port P1
  pick_port P2
  "$BIN" serve --data "$data" --external "$HOST:$P1" --internal "$HOST:$P2" ${THREADS:+--threads "$THREADS"} \
    >>"$log" 2>&1 &
  YW_PID=$!
  for _ in $(seq 300); do
    kill -0 "$YW_PID" 2>/dev/null || { wait "$YW_PID" 2>/dev/null || true; YW_PID=""; return 1; }
    # The "ready" line is printed after every listener is bound, so a healthy /healthz then
    # comes from this process and not from something else on the same port.
    if grep -q "http://$HOST:$P1/" "$log" &&
       curl -fsS --max-time 2 "http://$HOST:$P1/healthz" 2>/dev/null | grep -q '"status":"ok"'; then
      return 0
    fi
    sleep 0.1
  done
  tail -20 "$log" >&2
  die "yiwang did not become healthy within 30 s"
}

serve_yiwang() {  # data_dir log: start_yiwang, up to three times (a port may be taken meanwhile)
  local attempt
  : >"$2"
  for attempt in 1 2 3; do
    start_yiwang "$1" "$2" && return 0
    echo "bench: yiwang exited on start (attempt $attempt): $(tail -1 "$2")" >&2
  done
  die "yiwang would not start"
}
