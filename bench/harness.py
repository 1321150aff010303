# ruff: noqa: E501, S603
# The SQL here is the benchmark's own text, kept on long lines as SQL reads
# best; no value from outside is ever formatted into it (S608). Subprocesses
# are this repository's own scripts and Debian's wrk, never a shell (S603).
"""What every part of the benchmark shares: the knobs (``BENCH_*``), a row of
the results and the report, the number formats, the child processes it starts
(and stops on any exit), and running one job in a child."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))
import dataset  # noqa: E402

TZ = ZoneInfo("Europe/London")
PYTHON = sys.executable


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


LEADS = env_int("BENCH_LEADS", 1_000_000)
RECORD_LEADS = 1_000_000
# The run of record keeps leadcourt_bench; other sizes get a database (and
# results file) of their own, so that a quick run does not destroy the big one.
SUFFIX = "" if LEADS == RECORD_LEADS else f"_{LEADS}"
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL") or urlunsplit(
    urlsplit(dataset.DEFAULT_DATABASE_URL)._replace(path=f"/leadcourt_bench{SUFFIX}")
)
RESULTS = BENCH / ("RESULTS.md" if not SUFFIX else f"RESULTS-{LEADS}.md")
PLANS = BENCH / ("PLANS.md" if not SUFFIX else f"PLANS-{LEADS}.md")
IMPORT_DATABASE_URL = os.environ.get(
    "BENCH_IMPORT_DATABASE_URL", urlunsplit(urlsplit(DATABASE_URL)._replace(path="/leadcourt_bench_import"))
)
SWEEP_DATABASE = dataset.database_name(DATABASE_URL) + "_sweep"
# A separate Redis database: notifications queued by the sweep never reach the test suite's queue.
# Not db 15: the process smoke test of make test uses that one.
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")
ROUNDS = env_int("BENCH_ROUNDS", 4)
REQUESTS = env_int("BENCH_REQUESTS", 2)  # GETs of a page per round (and as many of the floor)
PAGE_TIMEOUT = env_int("BENCH_PAGE_TIMEOUT", 120)
USERS = env_int("BENCH_USERS", 64)
LOAD_SECONDS = env_int("BENCH_LOAD_SECONDS", 30)
# Mean think time of a user between two pages (rows_load, bench/users.py):
# TPC-W's 7 s for the target row, 1 s for the stress row.
THINK_MS = env_int("BENCH_THINK_MS", 7000)
STRESS_THINK_MS = env_int("BENCH_STRESS_THINK_MS", 1000)
LOAD_ROUNDS = env_int("BENCH_LOAD_ROUNDS", 3)
JOB_ROUNDS = env_int("BENCH_JOB_ROUNDS", 2)
JOB_TIMEOUT = env_int("BENCH_JOB_TIMEOUT", 600)
SWEEP_TIMEOUT = env_int("BENCH_SWEEP_TIMEOUT", 600)
MAX_AGE_HOURS = env_int("BENCH_MAX_AGE_HOURS", 12)
SEARCH_TERM = os.environ.get("BENCH_SEARCH", "Okafor")


def sweep_sizes() -> list[int]:
    raw = os.environ.get("BENCH_SWEEP_SIZES")
    if raw:
        return [int(x) for x in raw.replace(" ", "").split(",") if x]
    # 10,000 and 100,000 at a million leads, in proportion below.
    return [max(100, LEADS // 100), max(1000, LEADS // 10)]


# --- results ------------------------------------------------------------------------------------


@dataclass
class Row:
    work: str
    measured: str
    floor: str
    ratio: str
    note: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)
    build: dict | None = None

    def add(self, row: Row) -> None:
        self.rows.append(row)
        print(f"  {row.work:<62} {row.measured:>22} | {row.floor:>22} | {row.ratio}", flush=True)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def secs(seconds: float) -> str:
    return f"{seconds:,.2f} s" if seconds < 100 else f"{seconds:,.0f} s"


def ratio(thing: float, floor: float) -> str:
    return f"{thing / floor:,.1f}×" if floor > 0 else "n/a"


# --- processes ------------------------------------------------------------------------------------

CHILDREN: list[subprocess.Popen] = []


def stop_children() -> None:
    """Stop every process group this run started (gunicorn, a job child)."""
    for proc in CHILDREN:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
    deadline = time.monotonic() + 15
    for proc in CHILDREN:
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    CHILDREN.clear()


def on_signal(signum, frame):  # pragma: no cover - interactive
    stop_children()
    sys.exit(128 + signum)


def app_env(database_url: str) -> dict:
    """The environment of a production-like app process, on plain HTTP at 127.0.0.1."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=BROKER_URL,
        DEBUG="false",
        SECRET_KEY="bench-only-secret-key-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        CONN_MAX_AGE="600",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="leadcourt.settings",
        PYTHONPATH=str(ROOT),
    )
    return env


def run_child(args: list[str], *, env: dict, timeout: int) -> tuple[int | None, str, float]:
    """Run a child process in its own group, bounded by ``timeout``; returns
    (exit code or None when stopped, output, seconds)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        args,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    CHILDREN.append(proc)
    try:
        out, _ = proc.communicate(timeout=timeout)
        code = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
        code = None
    finally:
        CHILDREN.remove(proc)
    return code, out or "", time.perf_counter() - started


def terminate_backends(database: str, application_name: str | None = None) -> None:
    """End this role's leftover sessions on ``database`` (e.g. a stopped job's
    query still running on the server)."""
    import psycopg

    with psycopg.connect(dataset.admin_url(DATABASE_URL), autocommit=True) as conn:
        query = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
        params = [database]
        if application_name:
            query += " AND application_name = %s"
            params.append(application_name)
        conn.execute(query, params)


def child_job(name: str) -> int:
    """Inside a child process: run one job once, print its time and report."""
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    if name == "metrics_recent":
        from metrics.jobs import metrics_snapshots

        report = metrics_snapshots()
    elif name == "metrics_full":
        from metrics.jobs import metrics_snapshots

        report = metrics_snapshots(full=True)
    elif name == "sweep_decisions":
        from io import StringIO

        out = StringIO()
        call_command("run_job", "sweep_decisions", stdout=out)
        report = out.getvalue().strip()
    else:
        raise SystemExit(f"unknown child job {name}")
    seconds = time.perf_counter() - started
    print("BENCHJOB " + json.dumps({"seconds": seconds, "report": str(report)}))
    return 0


def job_run(name: str, database_url: str, timeout: int) -> tuple[float | None, str]:
    """(seconds, report) of one run in a child process, or (None, why) when stopped."""
    env = app_env(database_url)
    env["PGAPPNAME"] = "leadcourt-bench-job"
    # A stopped child's query must not run on in the server.
    env["PGOPTIONS"] = f"-c statement_timeout={timeout * 1000} -c client_connection_check_interval=2000"
    code, out, _wall = run_child([PYTHON, str(BENCH / "run.py"), "--child", name], env=env, timeout=timeout)
    if code is None:
        terminate_backends(dataset.database_name(database_url), "leadcourt-bench-job")
        return None, f"stopped after {timeout} s"
    match = re.search(r"^BENCHJOB (.*)$", out, re.M)
    if code != 0 or not match:
        raise SystemExit(f"job {name} failed ({code}):\n{out[-3000:]}")
    data = json.loads(match.group(1))
    return data["seconds"], data["report"]
