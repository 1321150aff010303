#!/usr/bin/env bash
# Process smoke test, run by `make test` after pytest: the commands that
# docker-compose.yml runs (migrate, gunicorn, celery worker, celery beat), run
# here against local PostgreSQL and Redis with production settings (DEBUG off),
# because no Docker engine is available to run the compose file itself.
#
# Checks: migrate and collectstatic succeed on a fresh database; gunicorn
# answers GET /healthz with 200 {"status": "ok"} (and the container
# healthcheck script agrees) and serves the admin login page; the worker
# answers `celery inspect ping`; beat stays up and a periodic task it sends
# through Redis is executed by the worker. Everything is stopped at the end, on
# failure and on Ctrl-C; the throwaway database is dropped. Bounded: about a
# minute in the worst case per step, a few seconds when all is well.
#
# Environment: VENV (.venv), SMOKE_PG (postgres://leadcourt:leadcourt@127.0.0.1:5432,
# the owner role, allowed to create databases; migrate runs as it),
# SMOKE_APP_PG (postgres://leadcourt_app:leadcourt_app@127.0.0.1:5432, the app's
# role that gunicorn, the worker and beat log in as), DB_NAME (leadcourt, an existing database
# to connect to while creating and dropping the throwaway one), SMOKE_BROKER_URL (redis://127.0.0.1:6379/15;
# a Redis database of its own so that a concurrent pytest run's queue is untouched).
set -euo pipefail

cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
SMOKE_PG=${SMOKE_PG:-postgres://leadcourt:leadcourt@127.0.0.1:5432}
SMOKE_APP_PG=${SMOKE_APP_PG:-postgres://leadcourt_app:leadcourt_app@127.0.0.1:5432}
SMOKE_BROKER_URL=${SMOKE_BROKER_URL:-redis://127.0.0.1:6379/15}
DB_NAME=${DB_NAME:-leadcourt}

[[ -x $VENV/bin/python ]] || {
  echo "smoke: $VENV/bin/python not found; run 'make test'" >&2
  exit 1
}
export PATH="$PWD/$VENV/bin:$PATH"
export PYTHONUNBUFFERED=1

# shellcheck source=scripts/process-groups.sh
source scripts/process-groups.sh

logs=$(mktemp -d "${TMPDIR:-/tmp}/leadcourt-smoke.XXXXXX")
smoke_db="leadcourt_smoke_$$"
node="smoke$$@$(python -c 'import socket; print(socket.gethostname())')"
db_created=false

admin_sql() { # admin_sql SQL — run as the test role on its own database, autocommit
  python - "$SMOKE_PG/$DB_NAME" "$1" <<'EOF'
import sys

import psycopg

url, sql = sys.argv[1:]
with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
    conn.execute(sql)
EOF
}

cleanup() {
  local status=$?
  trap - EXIT
  trap '' INT TERM HUP # a repeated signal must not cut the cleanup short
  stop_groups 20
  if $db_created; then
    admin_sql "DROP DATABASE IF EXISTS $smoke_db WITH (FORCE)" ||
      echo "smoke: could not drop database $smoke_db" >&2
  fi
  rm -rf "$logs"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

fail() { # fail MESSAGE [LOGNAME...]
  local message=$1 name
  shift
  echo "smoke: FAILED: $message" >&2
  for name in "$@"; do
    echo "----- last lines of $name.log -----" >&2
    tail -n 40 "$logs/$name.log" >&2 || true
  done
  exit 1
}

run_logged() { # run_logged NAME TIMEOUT COMMAND... — a one-shot command, log kept for failures
  local name=$1 seconds=$2
  shift 2
  timeout --foreground "$seconds" "$@" >"$logs/$name.log" 2>&1 || fail "'$*' failed (status $?)" "$name"
}

retry_until() { # retry_until SECONDS COMMAND... — true once COMMAND succeeds
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

# --- Production-like environment, as in docker-compose.yml ----------------------
# SECURE_SSL_REDIRECT=false: there is no TLS proxy in front of gunicorn here.
DEBUG=false
SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(64))')
ALLOWED_HOSTS=127.0.0.1,localhost
SECURE_SSL_REDIRECT=false
# Two roles, as in docker-compose.yml: `manage.py migrate` logs in as the owner
# (DATABASE_OWNER_URL), everything else as the app's role (DATABASE_URL).
DATABASE_URL="$SMOKE_APP_PG/$smoke_db"
DATABASE_OWNER_URL="$SMOKE_PG/$smoke_db"
CELERY_BROKER_URL=$SMOKE_BROKER_URL
export DEBUG SECRET_KEY ALLOWED_HOSTS SECURE_SSL_REDIRECT DATABASE_URL DATABASE_OWNER_URL CELERY_BROKER_URL

python -c 'import redis, sys; redis.Redis.from_url(sys.argv[1], socket_connect_timeout=5).ping()' \
  "$CELERY_BROKER_URL" 2>/dev/null || fail "Redis does not answer at $CELERY_BROKER_URL"
admin_sql "CREATE DATABASE $smoke_db" || fail "could not create database $smoke_db at $SMOKE_PG"
db_created=true

# --- migrate (the compose "migrate" service) and collectstatic (the Dockerfile) ---
run_logged migrate 300 python manage.py migrate --noinput
run_logged collectstatic 300 python manage.py collectstatic --noinput

# --- gunicorn (the compose "web" service) ----------------------------------------
port=$(python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start_group gunicorn "$logs/gunicorn.log" gunicorn leadcourt.wsgi -w 2 -b "127.0.0.1:$port"

http_check() { # http_check PATH EXPECTED_STATUS [EXPECTED_JSON]
  python - "http://127.0.0.1:$port$1" "$2" "${3:-}" <<'EOF' 2>/dev/null
import json
import sys
import urllib.error
import urllib.request

url, status, body = sys.argv[1], int(sys.argv[2]), sys.argv[3]
try:
    with urllib.request.urlopen(url, timeout=5) as response:
        got_status, got_body = response.status, response.read()
except urllib.error.HTTPError as error:
    got_status, got_body = error.code, error.read()
sys.exit(0 if got_status == status and (not body or json.loads(got_body) == json.loads(body)) else 1)
EOF
}

retry_until 60 http_check /healthz 200 '{"status": "ok"}' ||
  fail "gunicorn did not answer GET /healthz with 200 {\"status\": \"ok\"}" gunicorn
PORT=$port python scripts/http-healthcheck.py >/dev/null 2>&1 ||
  fail "scripts/http-healthcheck.py (the compose web healthcheck) failed" gunicorn
http_check /admin/login/ 200 ||
  fail "GET /admin/login/ did not answer 200 (static manifest or template error?)" gunicorn

# --- celery worker (the compose "worker-…" services, one per queue) ---------------
# Every queue (settings.TASK_QUEUE_NAMES), as the compose workers do between them.
start_group worker "$logs/worker.log" celery -A leadcourt worker --loglevel=INFO \
  -Q celery,sweeps,notifications,metrics,imports --concurrency=1 -n "$node"
worker_ping() { timeout --foreground 30 celery -A leadcourt inspect ping -d "$node" --timeout 3 >/dev/null 2>&1; }
retry_until 90 worker_ping || fail "the worker did not answer 'celery inspect ping'" worker

# --- celery beat (the compose "beat" service) ------------------------------------
# A periodic task in the database schedule, due every second: seeing the worker
# execute it proves beat -> Redis -> worker. backend_cleanup is a no-op built-in.
run_logged schedule 120 python manage.py shell -c "
from django_celery_beat.models import IntervalSchedule, PeriodicTask
every, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
PeriodicTask.objects.create(name='smoke test', task='celery.backend_cleanup', interval=every)
"
start_group beat "$logs/beat.log" celery -A leadcourt beat --scheduler django_celery_beat.schedulers:DatabaseScheduler --loglevel=INFO

beat_task_ran() { grep -q 'Task celery.backend_cleanup\[.*\] succeeded' "$logs/worker.log"; }
retry_until 60 beat_task_ran || fail "no task sent by beat was executed by the worker" beat worker
sleep 3 # beat must stay up, not just start
if exited=$(first_exited_group); then
  fail "$exited exited while it should be running" "$exited"
fi

# --- Stop everything cleanly -------------------------------------------------------
stop_groups 20
for name in gunicorn worker beat; do
  if grep -qE 'Traceback|CRITICAL' "$logs/$name.log"; then
    fail "$name logged an error" "$name"
  fi
done
echo "smoke: ok (migrate, collectstatic, gunicorn /healthz, celery worker ping, beat -> worker)"
