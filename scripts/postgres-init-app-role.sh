#!/usr/bin/env bash
# Creates the app's database role `leadcourt_app` (README, "Database roles"):
# a login that owns nothing; `manage.py migrate`, run as the owner, grants it
# its privileges. Run by the postgres image once, when it initialises an empty
# volume (docker-compose.yml mounts this file into /docker-entrypoint-initdb.d/),
# as POSTGRES_USER over the local socket; APP_DB_PASSWORD is its password.
#
# No `set -u`: the image sources this file when it is not executable, and
# the option would outlive it in the entrypoint's shell.
set -eo pipefail

psql -X -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v app_role=leadcourt_app -v app_password="${APP_DB_PASSWORD:?set APP_DB_PASSWORD}" <<'SQL'
SELECT format('CREATE ROLE %I', :'app_role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_role')\gexec
SELECT format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD %L',
              :'app_role', :'app_password')\gexec
SQL
