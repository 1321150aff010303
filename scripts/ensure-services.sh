#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on 127.0.0.1 for `make test`:
# installs them with apt-get when missing, starts them without systemd, and
# creates the two roles (README, "Database roles"): `leadcourt`, the owner
# (LOGIN CREATEDB: it creates, migrates and empties test_<db>, and owns the
# database), and `leadcourt_app`, the app's role (LOGIN only: it owns nothing
# and gets its privileges from the migrations). Also installs Debian's
# Chromium for the browser tests (tests/e2e) when it is missing. Idempotent;
# silent when everything is already there.
#
# Environment: PYTHON (a python with psycopg, default .venv/bin/python),
# DB_NAME (leadcourt), DB_USER and DB_PASSWORD (leadcourt, the owner),
# APP_DB_USER and APP_DB_PASSWORD (leadcourt_app): local test credentials,
# nothing here is meant for production. LEADCOURT_CHROMIUM: another Chromium
# binary for the browser tests (then nothing is installed for them).
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
DB_NAME=${DB_NAME:-leadcourt}
DB_USER=${DB_USER:-leadcourt}
DB_PASSWORD=${DB_PASSWORD:-leadcourt}
APP_DB_USER=${APP_DB_USER:-leadcourt_app}
APP_DB_PASSWORD=${APP_DB_PASSWORD:-leadcourt_app}
PG_PORT=5432
REDIS_PORT=6379

say() { echo "services: $*"; }
die() {
  echo "services: error: $*" >&2
  exit 1
}

# Runs a command as root: directly, or through sudo when it works without a prompt.
as_root() {
  if [[ $(id -u) == 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    die "'$*' needs root (run as root, or install PostgreSQL, Redis and Chromium yourself; see README.md)"
  fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

redis_ping() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT"
    printf 'PING\r\n' >&3
    IFS= read -r -t 2 reply <&3
    [[ $reply == +PONG* ]]
  ) 2>/dev/null
}

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    ((SECONDS < deadline)) || die "$what did not come up within ${seconds}s"
    sleep 0.5
  done
}

# --- Install what is missing -------------------------------------------------
packages=()
if ! port_open "$PG_PORT" && ! command -v pg_ctlcluster >/dev/null; then
  packages+=(postgresql)
fi
if ! redis_ping && ! command -v redis-server >/dev/null; then
  packages+=(redis-server)
fi
# The browser tests drive Debian's Chromium; `playwright install` cannot
# download browsers here (and exits 0 anyway), so it is never used.
if [[ -z ${LEADCOURT_CHROMIUM:-} && ! -x /usr/bin/chromium ]]; then
  packages+=(chromium)
fi
if ((${#packages[@]})); then
  say "installing ${packages[*]} with apt-get"
  command -v apt-get >/dev/null || die "${packages[*]} missing and no apt-get; install them yourself"
  as_root apt-get update -qq >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
fi

# --- PostgreSQL ----------------------------------------------------------------
if ! port_open "$PG_PORT"; then
  # Debian's cluster tools; the package's postinst normally created "main".
  cluster=$(pg_lsclusters -h 2>/dev/null | awk -v port="$PG_PORT" '$3 == port {print $1, $2; exit}')
  if [[ -z $cluster ]]; then
    version=$( (ls /usr/lib/postgresql 2>/dev/null || true) | sort -V | tail -n 1)
    [[ -n $version ]] || die "PostgreSQL is installed but /usr/lib/postgresql holds no version"
    say "creating PostgreSQL cluster $version/main"
    as_root pg_createcluster "$version" main --port "$PG_PORT" >/dev/null
    cluster="$version main"
  fi
  read -r version name <<<"$cluster"
  say "starting PostgreSQL $version/$name"
  # `start` exits 2 when the cluster already runs, hence the status check.
  as_root pg_ctlcluster "$version" "$name" status >/dev/null 2>&1 ||
    as_root pg_ctlcluster "$version" "$name" start
  wait_for 30 "PostgreSQL on 127.0.0.1:$PG_PORT" port_open "$PG_PORT"
fi

# Fast path: the owner can already log in to the database and create
# databases, and the app's role can log in and is no more than a login.
role_ready() {
  "$PYTHON" - "$DB_USER" "$DB_PASSWORD" "$APP_DB_USER" "$APP_DB_PASSWORD" "$DB_NAME" "$PG_PORT" <<'EOF' 2>/dev/null
import sys

import psycopg

user, password, app_user, app_password, dbname, port = sys.argv[1:]
login = {"host": "127.0.0.1", "port": port, "dbname": dbname, "connect_timeout": 5}
with psycopg.connect(user=user, password=password, **login) as conn:
    (can_create,) = conn.execute("SELECT rolcreatedb FROM pg_roles WHERE rolname = current_user").fetchone()
with psycopg.connect(user=app_user, password=app_password, **login) as conn:
    (login_only,) = conn.execute(
        "SELECT NOT (rolsuper OR rolcreatedb OR rolcreaterole OR rolbypassrls) FROM pg_roles"
        " WHERE rolname = current_user"
    ).fetchone()
sys.exit(0 if can_create and login_only else 1)
EOF
}

if ! role_ready; then
  [[ -x $PYTHON ]] || die "$PYTHON not found (make test creates the virtualenv first)"
  command -v psql >/dev/null || die "psql not found; cannot create the $DB_USER role (install postgresql-client)"
  say "creating roles $DB_USER and $APP_DB_USER and database $DB_NAME"
  # psql as the postgres superuser over the local socket; cd / because the
  # postgres user may not be allowed into the current directory.
  (cd / && as_root runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -d postgres \
    -v role="$DB_USER" -v password="$DB_PASSWORD" -v db="$DB_NAME" \
    -v app_role="$APP_DB_USER" -v app_password="$APP_DB_PASSWORD") <<'SQL' >/dev/null
SELECT format('CREATE ROLE %I', :'role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role')\gexec
SELECT format('ALTER ROLE %I LOGIN CREATEDB PASSWORD %L', :'role', :'password')\gexec
SELECT format('CREATE ROLE %I', :'app_role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_role')\gexec
SELECT format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD %L',
              :'app_role', :'app_password')\gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')\gexec
SQL
  role_ready || die "roles $DB_USER and $APP_DB_USER cannot log in to $DB_NAME on 127.0.0.1:$PG_PORT (check pg_hba.conf)"
fi

# --- Redis ---------------------------------------------------------------------
if ! redis_ping; then
  say "starting Redis on 127.0.0.1:$REDIS_PORT"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no >/dev/null
  wait_for 15 "Redis on 127.0.0.1:$REDIS_PORT" redis_ping
fi
