# Shared by the bench scripts (sourced): stopping a background process politely.
stop_pid() {  # pid [tenths of a second to wait]: TERM, wait, then KILL
  local pid=$1 wait=${2:-100}
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq "$wait"); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
