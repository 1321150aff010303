#!/usr/bin/env bash
# The development stack behind `make run`: Django's runserver, a Celery worker
# and Celery beat, on the embedded defaults (SQLite in var/, the filesystem
# broker) unless DATABASE_URL / CELERY_BROKER_URL say otherwise.
# Ctrl-C or SIGTERM stops all three; if one of them dies, the others are
# stopped too and the script exits non-zero.
#
# Environment: HOST (127.0.0.1), PORT (8000), VENV (.venv).
set -euo pipefail

cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
VENV=${VENV:-.venv}

if [[ ! -x $VENV/bin/python ]]; then
  echo "run-dev: $VENV/bin/python not found; use 'make run', which creates the virtualenv" >&2
  exit 1
fi
export PATH="$PWD/$VENV/bin:$PATH"
export PYTHONUNBUFFERED=1

# shellcheck source=scripts/process-groups.sh
source scripts/process-groups.sh

on_signal() {
  # Ignore further stop signals while stopping: make passes SIGTERM on and
  # may deliver it again; a script killed here would leave web, worker and
  # beat running in their own sessions.
  trap '' INT TERM HUP
  echo
  echo "run-dev: stopping web, worker and beat"
  stop_groups 15
  exit "$1"
}
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP
# Also on any unexpected exit of this script (set -e), never leave children behind.
trap 'stop_groups 15' EXIT

start_group web - python manage.py runserver "$HOST:$PORT"
# One embedded worker for every queue (settings.TASK_QUEUE_NAMES); production
# runs one worker per queue (docker-compose.yml).
start_group worker - celery -A leadcourt worker --loglevel=INFO -Q celery,sweeps,notifications,metrics,imports \
  --concurrency=2
start_group beat - celery -A leadcourt beat --loglevel=INFO \
  --scheduler django_celery_beat.schedulers:DatabaseScheduler

echo "run-dev: LeadCourt on http://$HOST:$PORT/ with a Celery worker and beat; Ctrl-C stops all three"

while true; do
  if exited=$(first_exited_group); then
    echo "run-dev: the $exited process exited; stopping the others" >&2
    stop_groups 15
    exit 1
  fi
  # A background sleep lets the INT/TERM trap run at once instead of after it.
  sleep 1 &
  wait $! || true
done
