#!/usr/bin/env bash
# Serve the platform: gunicorn (WSGI, persistent DB connections), the django-tasks
# worker and the scheduler of periodic jobs, each supervised on its own: a process that
# dies is restarted (after a short pause, longer if it keeps dying) and the others go on.
# A restarted worker first has the tasks its predecessor left RUNNING marked failed (and
# periodic jobs enqueued again). Logs are appended (var/*.log), never overwritten.
# Ctrl-C (or TERM) stops everything.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
VAR="${MEANINGFLOW_VAR_DIR:-var}"
mkdir -p "$VAR"
stopping=0
children=()

log() { printf '%s serve: %s\n' "$(date -u +%FT%TZ)" "$*" | tee -a "$VAR/serve.log" >&2; }

# keep NAME LOGFILE COMMAND…: run COMMAND, and again whenever it exits, until we stop.
keep() {
  local name=$1 logfile=$2
  shift 2
  local pause=1
  while [ "$stopping" = 0 ]; do
    local started=$SECONDS
    "$@" >>"$logfile" 2>&1 &
    local pid=$!
    echo "$pid" >"$VAR/$name.pid"
    wait "$pid"
    local status=$?
    [ "$stopping" = 0 ] || break
    # A process that ran for a while gets a quick restart; one that keeps dying backs off.
    if (( SECONDS - started > 60 )); then pause=1; else pause=$(( pause < 30 ? pause * 2 : 30 )); fi
    log "$name stopped (exit $status); restarting in ${pause}s"
    sleep "$pause"
  done
}

worker_id() { echo "local-$$-${worker_generation}"; }
worker_generation=0
worker_restarted() {
  $PY manage.py jobs_recover_stale --worker-id "$(worker_id)" >>"$VAR/worker.log" 2>&1 || log "recovery of stale tasks failed"
  worker_generation=$((worker_generation + 1))
}

run_worker() {
  # One subshell per worker generation, so that each has its own id to recover by.
  while [ "$stopping" = 0 ]; do
    $PY manage.py db_worker --queue-name '*' --worker-id "$(worker_id)" >>"$VAR/worker.log" 2>&1 &
    local pid=$!
    echo "$pid" >"$VAR/worker.pid"
    wait "$pid"
    local status=$?
    [ "$stopping" = 0 ] || break
    log "worker stopped (exit $status); recovering its tasks and restarting"
    worker_restarted
    sleep 1
  done
}

stop() {
  stopping=1
  for name in web worker scheduler; do
    [ -f "$VAR/$name.pid" ] && kill "$(cat "$VAR/$name.pid")" 2>/dev/null
  done
  kill "${children[@]}" 2>/dev/null
  wait 2>/dev/null
  rm -f "$VAR/web.pid" "$VAR/worker.pid" "$VAR/scheduler.pid"
  log "stopped"
  exit 0
}
trap stop INT TERM

# Anything a worker of an earlier run left RUNNING (the machine went down) is recovered by
# the periodic job after the stale timeout; the worker of this run starts clean.
run_worker &
children+=($!)
keep scheduler "$VAR/scheduler.log" $PY manage.py scheduler &
children+=($!)
bind="${GUNICORN_BIND:-127.0.0.1:8000}"
keep web "$VAR/web.log" .venv/bin/gunicorn config.wsgi:application -c config/gunicorn.py &
children+=($!)
echo
echo "Meaning Flow Network is running at http://${bind}/  (API docs: http://${bind}/api/docs)"
echo "Logs: $VAR/web.log · $VAR/worker.log · $VAR/scheduler.log · $VAR/serve.log · stop with Ctrl-C"
echo
log "started"
while true; do wait; [ "$stopping" = 1 ] && break; sleep 1; done
