# LeadCourt developer commands.
#
#   make run    the app with demo data on http://127.0.0.1:8000 (SQLite, no services)
#   make test   every check CI runs (needs root or sudo the first time, to start
#               PostgreSQL and Redis; .ci/run is `LEADCOURT_REQUIRE_SERVICES=1 make test`)
#   make fuzz   Schemathesis, stateful, as every role, against gunicorn (tests/fuzz/run.py)
#   make screenshots   docs/screenshots/*.png of every main page (fresh demo DB, real Chromium)
#   make bench  the benchmark of record on 1,000,000 leads, every row against its floor
#               (bench/README.md; writes bench/RESULTS.md); make bench-quick on 100,000
#   make lint / make fmt / make clean
#
# Variables: PYTHON (python3.11), HOST/PORT for make run, PYTEST_ARGS for make test
# (e.g. make test PYTEST_ARGS="-k appeal"), DB_NAME (leadcourt) for make test.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# Stamps record which requirements file is installed; pip runs again only when
# the requirements file is newer than its stamp (or the venv is new).
RUNTIME_STAMP := $(VENV)/.installed-requirements
DEV_STAMP := $(VENV)/.installed-requirements-dev

HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

# make test: local PostgreSQL and Redis (scripts/ensure-services.sh sets them up).
# Two roles, as in production (README, "Database roles"): the tests run as the
# app's role leadcourt_app; the owner leadcourt creates, migrates and empties
# the test database.
DB_NAME ?= leadcourt
TEST_DATABASE_URL := postgres://leadcourt_app:leadcourt_app@127.0.0.1:5432/$(DB_NAME)
TEST_OWNER_URL := postgres://leadcourt:leadcourt@127.0.0.1:5432/$(DB_NAME)
TEST_BROKER_URL := redis://127.0.0.1:6379/0
TEST_ENV := DATABASE_URL=$(TEST_DATABASE_URL) DATABASE_OWNER_URL=$(TEST_OWNER_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL)
TEST_ROLES := DB_USER=leadcourt DB_PASSWORD=leadcourt APP_DB_USER=leadcourt_app APP_DB_PASSWORD=leadcourt_app

.PHONY: help run test fuzz screenshots bench bench-quick bench-import bench-scaleout lint fmt clean

help:
	@echo "make run     the app with demo data on http://$(HOST):$(PORT) (web, Celery worker and beat)"
	@echo "make test    lint, migrations and deploy checks, pytest on PostgreSQL/Redis, process smoke test"
	@echo "make fuzz    Schemathesis (stateful, every role, 100 examples per operation) vs gunicorn; not in make test"
	@echo "make screenshots  docs/screenshots/*.png of every main page at desktop and phone width"
	@echo "make bench   1,000,000-lead dataset, every page, job and load row vs its floor -> bench/RESULTS.md"
	@echo "make bench-quick  the same on 100,000 leads (BENCH_LEADS=100000); neither is part of make test"
	@echo "make bench-import CSV import of the real export vs PostgreSQL COPY only"
	@echo "make bench-scaleout  PgBouncer + a streaming replica + queues on 100,000 leads -> bench/RESULTS-scaleout.md"
	@echo "make lint    ruff check and ruff format --check"
	@echo "make fmt     ruff --fix and ruff format"
	@echo "make clean   remove the virtualenv, caches and collected static files (keeps var/)"

# --- Virtualenv -------------------------------------------------------------------
$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or pass PYTHON=/path/to/python3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): requirements.txt | $(BIN)/python
	@echo "Installing requirements.txt into $(VENV)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	@echo "Installing requirements-dev.txt into $(VENV)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@ $(RUNTIME_STAMP)

# --- make run: the embedded app ------------------------------------------------------
run: $(RUNTIME_STAMP)
	$(BIN)/python manage.py migrate --noinput
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python manage.py seed_demo
	@HOST=$(HOST) PORT=$(PORT) VENV=$(VENV) bash scripts/run-dev.sh

# --- make test: what CI runs ------------------------------------------------------------
# Postgres-marked tests fail rather than skip when a service is missing, unless
# LEADCOURT_REQUIRE_SERVICES=0 is set explicitly.
test: export LEADCOURT_REQUIRE_SERVICES ?= 1
test: $(DEV_STAMP)
	@DB_NAME=$(DB_NAME) $(TEST_ROLES) PYTHON=$(BIN)/python bash scripts/ensure-services.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@echo "lint-imports (the arrows between apps: pyproject.toml [tool.importlinter])"
	$(BIN)/lint-imports
	$(TEST_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	@echo "DEBUG=false SECRET_KEY=<random> ALLOWED_HOSTS=leadcourt.example.com manage.py check --deploy --fail-level WARNING"
	@SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	  DEBUG=false ALLOWED_HOSTS=leadcourt.example.com $(TEST_ENV) \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING
	$(TEST_ENV) $(BIN)/pytest --create-db $(PYTEST_ARGS)
	@DB_NAME=$(DB_NAME) VENV=$(VENV) bash scripts/smoke-processes.sh

# --- make fuzz: Schemathesis against a real server (not part of make test) ------------------------
# tests/fuzz/run.py recreates the database leadcourt_fuzz (as the owner role),
# builds a token per role and leads in every state, starts gunicorn on a free
# port of 127.0.0.1 (DEBUG off, the app's role), then runs every Schemathesis
# phase (stateful included, with the links of tests/fuzz/links.py) once per
# role; prints operations, examples and failures per role; fails on any.
# Knobs: FUZZ_EXAMPLES (100), FUZZ_ROLES (rep,marketer,judge,manager,admin),
# FUZZ_SEED, FUZZ_BROKER_URL (Redis db 10); logs in var/fuzz/.
fuzz: $(DEV_STAMP)
	@DB_NAME=$(DB_NAME) $(TEST_ROLES) PYTHON=$(BIN)/python bash scripts/ensure-services.sh
	$(BIN)/python -m tests.fuzz.run

# --- make screenshots: the README's pictures (not part of make test) --------------------------
# A throwaway SQLite demo database in a temp folder; never touches var/.
screenshots: $(DEV_STAMP)
	$(BIN)/python scripts/screenshots.py

# --- make bench: the benchmark of record (not part of make test) ----------------------------
# bench/run.py builds (or reuses) the leadcourt_bench database with BENCH_LEADS
# leads (bench/dataset.py), starts gunicorn on a free port of 127.0.0.1, measures
# every row of issue #11 against its floor and writes bench/RESULTS.md (other
# sizes: database leadcourt_bench_<N>, bench/RESULTS-<N>.md). Knobs:
# BENCH_LEADS, BENCH_REBUILD=1, BENCH_SWEEP_SIZES=10000,100000, BENCH_ROUNDS,
# BENCH_LOAD_SECONDS, BENCH_JOB_TIMEOUT, BENCH_SWEEP_TIMEOUT (bench/README.md).
# The CSV import row runs bench/import_bench.py in its own leadcourt_bench_import
# database; make bench-import runs that alone (DATABASE_URL as before).
# Empty: bench/run.py picks leadcourt_bench (1,000,000 leads) or leadcourt_bench_<N>.
BENCH_DATABASE_URL ?=
BENCH_LEADS ?= 1000000
bench: $(DEV_STAMP)
	@DB_NAME=$(DB_NAME) DB_USER=leadcourt DB_PASSWORD=leadcourt PYTHON=$(BIN)/python bash scripts/ensure-services.sh
	@bash bench/ensure-tools.sh
	BENCH_LEADS=$(BENCH_LEADS) BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/run.py

bench-quick: BENCH_LEADS = 100000
bench-quick: bench

bench-import: $(DEV_STAMP)
	@DB_NAME=$(DB_NAME) DB_USER=leadcourt DB_PASSWORD=leadcourt PYTHON=$(BIN)/python bash scripts/ensure-services.sh
	DATABASE_URL=$${DATABASE_URL:-postgres://leadcourt:leadcourt@127.0.0.1:5432/leadcourt_bench_import} \
	  CELERY_BROKER_URL=redis://127.0.0.1:6379/14 $(BIN)/python bench/import_bench.py

# --- make bench-scaleout: past one machine, on this one (not part of make test) -------------------
# bench/scaleout.py: a 100,000-lead database leadcourt_bench_scale, a streaming
# replica of the local PostgreSQL on 127.0.0.1:5433 (pg_basebackup -R; adds a
# replication role and one pg_hba.conf line to the primary, then reloads it),
# PgBouncer in transaction mode in front of both, gunicorn and two Celery
# workers through it (Redis db 6); writes bench/RESULTS-scaleout.md and removes
# the replica. Knobs: BENCH_SCALE_LEADS, BENCH_SCALE_ROUNDS, BENCH_SCALE_KEEP=1.
# `.venv/bin/python bench/scaleout_replica.py unprepare` undoes the primary's part.
bench-scaleout: $(DEV_STAMP)
	@DB_NAME=$(DB_NAME) DB_USER=leadcourt DB_PASSWORD=leadcourt PYTHON=$(BIN)/python bash scripts/ensure-services.sh
	@bash bench/ensure-tools.sh
	$(BIN)/python bench/scaleout.py

# --- Conveniences ---------------------------------------------------------------------------
lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

fmt: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Removes generated files. Keeps var/ (the SQLite database and broker queue of
# make run); delete it by hand to start over with fresh demo data.
clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache test-results
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
