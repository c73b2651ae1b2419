#!/usr/bin/env bash
# Serve the platform: gunicorn (WSGI, persistent DB connections), the django-tasks
# worker and the scheduler of periodic jobs. Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
$PY manage.py db_worker --queue-name '*' >var/worker.log 2>&1 &
pids+=($!)
$PY manage.py scheduler >var/scheduler.log 2>&1 &
pids+=($!)
bind="${GUNICORN_BIND:-127.0.0.1:8000}"
echo
echo "Meaning Flow Network is running at http://${bind}/  (API docs: http://${bind}/api/docs)"
echo "Worker log: var/worker.log · scheduler log: var/scheduler.log · stop with Ctrl-C"
echo
.venv/bin/gunicorn config.wsgi:application -c config/gunicorn.py &
pids+=($!)
wait -n
