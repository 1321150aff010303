# ruff: noqa: S603 - the subprocesses are this interpreter, gunicorn and Schemathesis, never a shell
"""``make fuzz``: Schemathesis against a real server, once per role.

1. Recreates the database ``leadcourt_fuzz`` and migrates it (as the owner).
2. Builds the world (tests/fuzz/world.py): a token per role, leads in every
   state on the caller's side and on someone else's, appeal cases, an import.
3. Starts gunicorn on a free port of 127.0.0.1 with DEBUG off, logged in as
   the app's database role, as production runs.
4. Fetches the served schema, aims its path ids at the real objects and adds
   the links of the stateful phase (tests/fuzz/links.py).
5. Runs ``schemathesis run`` for each role (sales rep, marketer, judge,
   manager, administrator): every phase (examples, coverage, fuzzing,
   stateful), FUZZ_EXAMPLES (100) examples per operation, the checks below.
6. Prints one summary line per role and the totals; exits 1 on any failure.

Not part of ``make test`` (pytest collects only ``test_*.py``; nothing here
is named so). Knobs: FUZZ_DATABASE (leadcourt_fuzz), FUZZ_APP_URL and
FUZZ_OWNER_URL (postgres://role:password@host:port, no database),
FUZZ_BROKER_URL (redis://127.0.0.1:6379/10), FUZZ_EXAMPLES (100),
FUZZ_ROLES (comma-separated), FUZZ_SEED, FUZZ_WORKERS (Schemathesis
workers, 2), FUZZ_OUT (var/fuzz: logs and JSON reports).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
DATABASE = os.environ.get("FUZZ_DATABASE", "leadcourt_fuzz")
APP_URL = os.environ.get("FUZZ_APP_URL", "postgres://leadcourt_app:leadcourt_app@127.0.0.1:5432")
OWNER_URL = os.environ.get("FUZZ_OWNER_URL", "postgres://leadcourt:leadcourt@127.0.0.1:5432")
BROKER_URL = os.environ.get("FUZZ_BROKER_URL", "redis://127.0.0.1:6379/10")
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
SEED = int(os.environ.get("FUZZ_SEED", "20250113"))
WORKERS = int(os.environ.get("FUZZ_WORKERS", "2"))
OUT = Path(os.environ.get("FUZZ_OUT", ROOT / "var" / "fuzz"))
ALL_ROLES = ("rep", "marketer", "judge", "manager", "admin")
SELECTED_ROLES = [role for role in os.environ.get("FUZZ_ROLES", ",".join(ALL_ROLES)).split(",") if role]

# Server errors and every way a response can differ from the schema. Left
# out: the checks that judge the API's design rather than its conformance
# (e.g. ``positive_data_acceptance`` counts a documented 409 for a lead in
# the wrong state as a failure).
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
]

# The environment of a production-like app process on plain HTTP at 127.0.0.1.
APP_ENV = {
    "DATABASE_URL": f"{APP_URL}/{DATABASE}",
    "DATABASE_OWNER_URL": f"{OWNER_URL}/{DATABASE}",
    "CELERY_BROKER_URL": BROKER_URL,
    "DEBUG": "false",
    "SECRET_KEY": "fuzz-only-secret-key-" + "x" * 40,
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "SECURE_HSTS_SECONDS": "0",
    "LOG_LEVEL": "WARNING",
    "MEDIA_ROOT": str(OUT / "media"),
    "DJANGO_SETTINGS_MODULE": "leadcourt.settings",
}


def say(message: str) -> None:
    print(f"fuzz: {message}", flush=True)


def database_recreate() -> None:
    import psycopg

    with psycopg.connect(f"{OWNER_URL}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    env = {**os.environ, **APP_ENV}
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def world_create():
    os.environ.update(APP_ENV)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connections

    from tests.fuzz.world import world_build

    world = world_build()
    connections.close_all()
    return world


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_start() -> tuple[subprocess.Popen, str]:
    port = free_port()
    log = (OUT / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [
            *(PYTHON, "-m", "gunicorn", "leadcourt.wsgi", "-w", "2", "-k", "gthread", "--threads", "4"),
            *("-b", f"127.0.0.1:{port}", "--timeout", "60", "--graceful-timeout", "5"),
        ],
        cwd=ROOT,
        env={**os.environ, **APP_ENV},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"fuzz: gunicorn exited; see {OUT / 'gunicorn.log'}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as answer:  # noqa: S310 - our URL
                if answer.status == 200:
                    return process, base
        except OSError:
            time.sleep(0.3)
    raise SystemExit("fuzz: gunicorn did not answer /healthz within 60 s")


def gunicorn_stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def schema_fetch(base: str, token: str) -> dict:
    request = urllib.request.Request(  # noqa: S310 - our URL
        base + "/api/v1/schema/?format=json", headers={"Authorization": f"Token {token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - our URL
        return json.load(answer)


def config_write() -> Path:
    config = OUT / "schemathesis.toml"
    checks = "\n".join(f"[checks.{name}]\nenabled = true" for name in CHECKS)
    config.write_text(
        f"""seed = {SEED}
suppress-health-check = ["all"]
workers = {WORKERS}
continue-on-failure = true
request-timeout = 30

[generation]
mode = "all"
max-examples = {EXAMPLES}
database = "none"

[checks]
enabled = false

{checks}

[phases.stateful]
max-steps = 12
"""
    )
    tomllib.loads(config.read_text())  # fail here, not inside Schemathesis, if malformed
    return config


def role_fuzz(role: str, token: str, schema_path: Path, base: str, config: Path) -> dict:
    report = OUT / f"report-{role}.json"
    log = OUT / f"schemathesis-{role}.log"
    command = [
        str(Path(PYTHON).with_name("schemathesis")),
        "--config-file",
        str(config),
        "--no-color",
        "run",
        str(schema_path),
        "--url",
        base,
        "--header",
        f"Authorization: Token {token}",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    say(f"{role}: schemathesis run (log: {log})")
    report.unlink(missing_ok=True)
    with log.open("w") as output:
        done = subprocess.run(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, check=False)
    if not report.exists() or not report.stat().st_size:
        # Schemathesis stopped before its report (a bad option, a crash): a failure, not a pass.
        say(f"{role}: no report (exit code {done.returncode}); see {log}")
        return {
            "operations": {"tested": 0},
            "test_cases": {"generated": 0},
            "failures": [],
            "errors": [{"title": f"schemathesis exited {done.returncode} without a report", "count": 1}],
            "phases": {},
            "exit_code": done.returncode or 1,
        }
    return json.loads(report.read_text())


def broker_purge() -> None:
    """Import runs queued by the fuzz requests; no worker takes them."""
    from leadcourt.celery import app

    app.control.purge()


def main() -> int:
    unknown = set(SELECTED_ROLES) - set(ALL_ROLES)
    if unknown:
        raise SystemExit(f"fuzz: unknown FUZZ_ROLES {unknown}; choose from {ALL_ROLES}")
    OUT.mkdir(parents=True, exist_ok=True)
    say(f"database {DATABASE}: recreate and migrate")
    database_recreate()
    world = world_create()
    say(f"world: {len(world.lead_ids)} leads, {len(world.case_ids)} cases, {len(world.import_ids)} import")
    process, base = gunicorn_start()
    rows = []
    try:
        from tests.fuzz.links import schema_for_fuzzing

        schema = schema_for_fuzzing(schema_fetch(base, world.tokens["admin"]), world)
        schema_path = OUT / "schema.json"
        schema_path.write_text(json.dumps(schema))
        config = config_write()
        for role in SELECTED_ROLES:
            rows.append((role, role_fuzz(role, world.tokens[role], schema_path, base, config)))
    finally:
        gunicorn_stop(process)
        broker_purge()
    return summary_print(rows)


def summary_print(rows: list[tuple[str, dict]]) -> int:
    print()
    print(f"{'role':<10} {'operations':>10} {'examples':>9} {'failures':>9} {'errors':>7}  phases run")
    totals = [0, 0, 0, 0]
    failed = False
    for role, report in rows:
        tested = report["operations"]["tested"]
        generated = report["test_cases"]["generated"]
        failures = sum(group["count"] for group in report["failures"])
        errors = sum(group["count"] for group in report["errors"])
        phases = ",".join(name for name, phase in report["phases"].items() if phase["status"] != "skip")
        print(f"{role:<10} {tested:>10} {generated:>9} {failures:>9} {errors:>7}  {phases}")
        for group in report["failures"]:
            print(f"    failure: {group['title']} x{group['count']} in {', '.join(group['operations'])}")
        for group in report["errors"]:
            print(f"    error: {group['title']} x{group['count']}")
        totals = [a + b for a, b in zip(totals, (tested, generated, failures, errors), strict=True)]
        failed |= bool(failures or errors or report["exit_code"])
    print(f"{'total':<10} {totals[0]:>10} {totals[1]:>9} {totals[2]:>9} {totals[3]:>7}")
    print(f"\nfuzz: {'FAILED' if failed else 'ok'} (logs and JSON reports in {OUT})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
