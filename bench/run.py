# ruff: noqa: E501, S603
# The SQL here is the benchmark's own text, kept on long lines as SQL reads
# best; no value from outside is ever formatted into it (S608). Subprocesses
# are this repository's own scripts and Debian's wrk, never a shell (S603).
"""The benchmark of record: every row of issue #11 against its floor, in one run.

    make bench                      (1,000,000 leads)
    make bench-quick                (BENCH_LEADS=100000)
    BENCH_LEADS=100000 .venv/bin/python bench/run.py

1. Builds the dataset (``bench/dataset.py``), or reuses the one in the bench
   database when it has the same ``BENCH_LEADS``, the same generator version
   and is younger than ``BENCH_MAX_AGE_HOURS`` (its "waiting" deadlines are
   relative to the day it was built).
2. Metric snapshots (recent months, then all history) against the raw
   ``GROUP BY`` of the same numbers; this also leaves the snapshots in place
   for the dashboards page.
3. Starts gunicorn (2 sync workers, ``leadcourt.wsgi``, DEBUG off, persistent
   database connections) on a free port of 127.0.0.1, logs in one persistent
   HTTP session per persona, and times each page against ``GET /healthz`` on
   the same session: ``BENCH_ROUNDS`` rounds, page and floor alternating
   request by request, medians.
4. 64 concurrent users with ``wrk`` over a mixed page set (with and without
   the API list) against 64 users on ``/healthz``: p95 and requests/s,
   alternating, ``BENCH_LOAD_ROUNDS`` rounds of ``BENCH_LOAD_SECONDS``.
5. Stops gunicorn. Decision sweep over ``BENCH_SWEEP_SIZES`` overdue MQLs on a
   copy of the database (``CREATE DATABASE … TEMPLATE``), each against one
   set-based ``UPDATE … RETURNING`` plus the inserts of the same rows, in a
   rolled-back transaction on the same copy.
6. CSV import of the real export against ``COPY`` (``bench/import_bench.py``,
   in its own empty database).

A run on any other number of leads than the record's million uses its own
database (``leadcourt_bench_<N>``) and writes ``bench/RESULTS-<N>.md``, so a
quick check neither rebuilds nor overwrites the run of record.

Writes ``bench/RESULTS.md`` (and ``bench/PLANS.md``: EXPLAIN ANALYZE of each
page's slowest query). Every loop is bounded in count and time; a job that
runs past its bound is stopped and reported as "> N s (stopped)". Only
127.0.0.1 is ever requested.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
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


# --- the dataset ----------------------------------------------------------------------------------


def dataset_ready(report: Report) -> dict:
    meta = dataset.dataset_meta(DATABASE_URL)
    fresh = False
    if meta is not None:
        age = datetime.now(UTC) - meta["anchor_now"]
        fresh = (
            meta["leads"] == LEADS
            and meta["generator"] == dataset.GENERATOR_VERSION
            and age < timedelta(hours=MAX_AGE_HOURS)
            and os.environ.get("BENCH_REBUILD") != "1"
        )
    if fresh:
        print(
            f"dataset: reusing {LEADS:,} leads built {meta['built_at']:%Y-%m-%d %H:%M} UTC in {meta['seconds']:.0f} s"
        )
        report.build = {"reused": True, **meta}
        return meta
    print(f"dataset: building {LEADS:,} leads")
    env = dict(os.environ, BENCH_DATABASE_URL=DATABASE_URL, PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    proc = subprocess.run(
        [PYTHON, str(BENCH / "dataset.py"), "--leads", str(LEADS), "--rebuild"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=3600,
    )
    print(proc.stdout)
    if proc.returncode != 0:
        raise SystemExit(f"dataset build failed ({proc.returncode})")
    meta = dataset.dataset_meta(DATABASE_URL)
    report.build = {
        "reused": False,
        "wall_seconds": time.perf_counter() - started,
        "output": proc.stdout,
        **meta,
    }
    return meta


# --- metric snapshots -------------------------------------------------------------------------------

DELIVERY_FLOOR_SQL = """
WITH d AS (
  SELECT e.id, e.lead_id, e.occurred_at, e.data->>'rep' AS rep_key
  FROM leads_leadevent e
  WHERE e.transition IN ('qualify', 'recycle') AND e.occurred_at >= %(begins)s AND e.occurred_at < %(ends)s
),
ev AS (
  SELECT e.lead_id, e.id, e.transition, e.occurred_at,
    max(CASE WHEN e.transition IN ('qualify', 'recycle') THEN e.id END)
      OVER (PARTITION BY e.lead_id ORDER BY e.id) AS delivery_id
  FROM leads_leadevent e
  WHERE e.lead_id IN (SELECT lead_id FROM d)
),
nx AS (
  SELECT id, lead(occurred_at) OVER (PARTITION BY lead_id ORDER BY id) AS next_at,
         lead(id) OVER (PARTITION BY lead_id ORDER BY id) AS next_id
  FROM ev WHERE transition IN ('qualify', 'recycle')
),
per AS (
  SELECT delivery_id,
    (array_agg(transition ORDER BY id) FILTER (WHERE transition IN ('accept', 'reject', 'flag_ignored')))[1] AS decision,
    coalesce(bool_or(transition IN ('verdict_overturn', 'verdict_follow_up')), false) AS turned,
    (array_agg(transition ORDER BY id) FILTER (
       WHERE transition IN ('flag_unworked', 'qualify_opportunity', 'return_after_followup')))[1] AS followup_outcome
  FROM ev WHERE delivery_id IN (SELECT id FROM d) GROUP BY delivery_id
),
ft AS (
  SELECT d.id, min(t.occurred_at) AS first_touch
  FROM d JOIN nx ON nx.id = d.id
  JOIN leads_touch t ON t.lead_id = d.lead_id AND t.occurred_at >= d.occurred_at
       AND t.occurred_at < coalesce(nx.next_at, 'infinity')
  GROUP BY d.id
),
k AS (
  SELECT d.id,
    date_trunc('week', d.occurred_at AT TIME ZONE 'Europe/London')::date AS week,
    date_trunc('month', d.occurred_at AT TIME ZONE 'Europe/London')::date AS month,
    coalesce(d.rep_key, '') AS rep_key, coalesce(l.campaign_id::text, '') AS campaign_key,
    coalesce(l.source, '') AS source_key, coalesce(l.segment_id::text, '') AS segment_key,
    per.decision, per.turned, per.followup_outcome,
    (l.state = 'sal' AND l.followup_due_at < now() AND nx.next_id IS NULL) AS sal_past_due,
    extract(epoch FROM ft.first_touch - d.occurred_at) / 3600.0 AS hours
  FROM d JOIN leads_lead l ON l.id = d.lead_id JOIN nx ON nx.id = d.id
  LEFT JOIN per ON per.delivery_id = d.id LEFT JOIN ft ON ft.id = d.id
)
SELECT GROUPING(week, month) AS g, week, month, rep_key, campaign_key, source_key, segment_key,
  count(*) AS delivered,
  count(*) FILTER (WHERE decision = 'accept') AS accepted,
  count(*) FILTER (WHERE decision = 'reject') AS rejected,
  count(*) FILTER (WHERE decision = 'flag_ignored') AS ignored,
  count(*) FILTER (WHERE decision = 'accept' OR (decision IN ('reject', 'flag_ignored') AND turned)) AS final_accepted,
  count(*) FILTER (WHERE followup_outcome IS NOT NULL OR sal_past_due) AS followup_due,
  count(*) FILTER (WHERE followup_outcome IN ('qualify_opportunity', 'return_after_followup')
                   OR (followup_outcome IS NULL AND sal_past_due)) AS followup_met,
  count(hours) AS touched, coalesce(sum(hours), 0) AS hours_sum,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) AS hours_median
FROM k
GROUP BY GROUPING SETS ((week), (week, rep_key), (week, campaign_key), (week, source_key), (week, segment_key),
                        (month), (month, rep_key), (month, campaign_key), (month, source_key), (month, segment_key))
"""

FUNNEL_FLOOR_SQL = """
SELECT week, month, rep, campaign, source, segment, count(*) AS inquiries,
  count(delivered_at) AS mqls, count(accepted_at) AS sals, count(sql_at) AS sqls,
  count(*) FILTER (WHERE state = 'won') AS won, coalesce(sum(won_amount) FILTER (WHERE state = 'won'), 0) AS revenue
FROM (SELECT l.*, date_trunc('week', created_at AT TIME ZONE 'Europe/London')::date AS week,
        date_trunc('month', created_at AT TIME ZONE 'Europe/London')::date AS month,
        coalesce(assigned_rep_id::text, '') AS rep, coalesce(campaign_id::text, '') AS campaign,
        coalesce(segment_id::text, '') AS segment
      FROM leads_lead l WHERE created_at >= %(begins)s AND created_at < %(ends)s) x
GROUP BY GROUPING SETS ((week), (week, rep), (week, campaign), (week, source), (week, segment),
                        (month), (month, rep), (month, campaign), (month, source), (month, segment))
"""

VERDICT_FLOOR_SQL = """
SELECT week, month, rep, campaign, source, segment, count(*) AS verdicts,
  count(*) FILTER (WHERE finding = 'sales') AS f_sales, count(*) FILTER (WHERE finding = 'marketing') AS f_marketing,
  count(*) FILTER (WHERE finding = 'criteria') AS f_criteria, count(*) FILTER (WHERE finding = 'none') AS f_none,
  count(*) FILTER (WHERE kind IN ('appeal', 'audit')) AS rejection_verdicts,
  count(*) FILTER (WHERE decision = 'overturn') AS overturned,
  count(*) FILTER (WHERE kind NOT IN ('appeal', 'audit')) AS ignored_verdicts,
  count(*) FILTER (WHERE decision = 'follow_up') AS followed_up,
  sum(extract(epoch FROM decided_at - opened_at) / 3600.0) AS hours
FROM (SELECT c.*, date_trunc('week', decided_at AT TIME ZONE 'Europe/London')::date AS week,
        date_trunc('month', decided_at AT TIME ZONE 'Europe/London')::date AS month,
        coalesce(c.rep_id::text, '') AS rep, coalesce(l.campaign_id::text, '') AS campaign, l.source,
        coalesce(l.segment_id::text, '') AS segment
      FROM adjudication_case c JOIN leads_lead l ON l.id = c.lead_id
      WHERE c.status = 'decided' AND decided_at >= %(begins)s AND decided_at < %(ends)s) x
GROUP BY GROUPING SETS ((week), (week, rep), (week, campaign), (week, source), (week, segment),
                        (month), (month, rep), (month, campaign), (month, source), (month, segment));
"""

VOTE_FLOOR_SQL = """
SELECT date_trunc('week', c.decided_at AT TIME ZONE 'Europe/London')::date, v.judge_id, count(*),
  sum(extract(epoch FROM v.cast_at - c.opened_at) / 3600.0)
FROM adjudication_vote v JOIN adjudication_case c ON c.id = v.case_id
WHERE c.status = 'decided' AND c.decided_at >= %(begins)s AND c.decided_at < %(ends)s
GROUP BY GROUPING SETS ((1, 2), (date_trunc('month', c.decided_at AT TIME ZONE 'Europe/London')::date, 2))
"""


def snapshot_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The instants a recompute of ``first``..``last`` covers (as metrics.snapshots._bounds)."""
    week0 = first - timedelta(days=first.weekday())
    month0 = first.replace(day=1)
    last_week = last - timedelta(days=last.weekday())
    week_end = last_week + timedelta(days=7)
    month_end = (last.replace(day=1) + timedelta(days=32)).replace(day=1)

    def midnight(day: date) -> datetime:
        return datetime.combine(day, datetime.min.time(), tzinfo=TZ)

    return midnight(min(week0, month0)), midnight(max(week_end, month_end))


def metrics_floor(begins: datetime, ends: datetime) -> tuple[float, int]:
    """The raw GROUP BYs of the snapshot numbers for [begins, ends): seconds, and
    the overall deliveries counted (a cross-check against the snapshots)."""
    import psycopg

    params = {"begins": begins, "ends": ends}
    with psycopg.connect(DATABASE_URL) as conn:
        conn.execute("SET work_mem = '256MB'")
        started = time.perf_counter()
        rows = conn.execute(DELIVERY_FLOOR_SQL, params).fetchall()
        conn.execute(FUNNEL_FLOOR_SQL, params).fetchall()
        conn.execute(VERDICT_FLOOR_SQL, params).fetchall()
        conn.execute(VOTE_FLOOR_SQL, params).fetchall()
        seconds = time.perf_counter() - started
        conn.rollback()
    # The overall row of each month: week grouped out (GROUPING = 2), no dimension.
    by_month = {
        r[2]: r[7]
        for r in rows
        if r[0] == 2 and r[3] is None and r[4] is None and r[5] is None and r[6] is None
    }
    return seconds, by_month


def snapshot_delivered(first_month: date) -> dict:
    """Deliveries per month in the snapshots, from ``first_month`` on."""
    import psycopg

    with psycopg.connect(DATABASE_URL) as conn:
        rows = conn.execute(
            "SELECT period_start, delivered FROM metrics_deliverysnapshot WHERE period = 'month' "
            "AND dimension = 'overall' AND period_start >= %s",
            [first_month],
        ).fetchall()
    return dict(rows)


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


def metrics_rows(report: Report, anchor: datetime) -> None:
    today = anchor.astimezone(TZ).date()
    first_recent = today.replace(day=1)
    for _ in range(2):
        first_recent = (first_recent - timedelta(days=1)).replace(day=1)
    import psycopg

    with psycopg.connect(DATABASE_URL) as conn:
        (earliest,) = conn.execute("SELECT min(created_at) FROM leads_lead").fetchone()
    variants = [
        ("metrics_recent", "Metric snapshots, last 3 months (`run_job metrics_snapshots`)", first_recent),
        (
            "metrics_full",
            "Metric snapshots, full recompute (`metrics_snapshots(full=True)`)",
            earliest.astimezone(TZ).date(),
        ),
    ]
    for name, label, first in variants:
        begins, ends = snapshot_bounds(first, datetime.now(TZ).date())
        things, floors, stopped, summary = [], [], None, ""
        for _ in range(JOB_ROUNDS):
            seconds, summary_or_why = job_run(name, DATABASE_URL, JOB_TIMEOUT)
            if seconds is None:
                stopped = summary_or_why
                break
            things.append(seconds)
            summary = summary_or_why
            floor_seconds, floor_delivered = metrics_floor(begins, ends)
            floors.append(floor_seconds)
            if seconds > 120:  # one slow run is enough to know
                break
        if not floors:
            floor_seconds, floor_delivered = metrics_floor(begins, ends)
            floors.append(floor_seconds)
        floor = statistics.median(floors)
        if stopped:
            report.add(
                Row(label, f"> {JOB_TIMEOUT} s (stopped)", secs(floor), f"> {JOB_TIMEOUT / floor:,.0f}×")
            )
            continue
        thing = statistics.median(things)
        first_month = first.replace(day=1)
        snap = snapshot_delivered(first_month)
        mine = {m: n for m, n in floor_delivered.items() if m >= first_month}
        check = (
            f"; deliveries per month agree with the floor ({sum(mine.values()):,} in all)"
            if snap == mine
            else f"; DELIVERIES DIFFER: snapshots {sum(snap.values()):,}, floor {sum(mine.values()):,}"
        )
        report.add(Row(label, secs(thing), secs(floor), ratio(thing, floor), f"{summary}{check}"))


# --- the web app -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_start(workdir: Path) -> tuple[subprocess.Popen, str]:
    env = app_env(DATABASE_URL)
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True, timeout=300
    )
    port = free_port()
    log = (workdir / "gunicorn.log").open("w")
    proc = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "leadcourt.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "300",
            "--graceful-timeout",
            "5",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    CHILDREN.append(proc)
    base = f"http://127.0.0.1:{port}"
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited: see {workdir / 'gunicorn.log'}")
        try:
            if requests.get(base + "/healthz", timeout=2).status_code == 200:
                return proc, base
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def login(base: str, username: str):
    import requests

    session = requests.Session()
    page = session.get(base + "/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        base + "/login/",
        data={"username": username, "password": dataset.BENCH_PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": base + "/login/"},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 302 or "sessionid" not in session.cookies:
        raise SystemExit(f"login as {username} failed: {answer.status_code}")
    return session


def timed_get(session, url: str) -> float:
    started = time.perf_counter()
    response = session.get(url, timeout=PAGE_TIMEOUT)
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"GET {url}: {response.status_code}\n{response.text[:500]}")
    return seconds


def page_rows(report: Report, base: str, sessions: dict, pages: list[tuple[str, str, str]]) -> None:
    """Each page against /healthz on the same session, alternating request by request."""
    import requests

    results: dict[str, dict] = {label: {"thing": [], "floor": [], "stopped": False} for label, _, _ in pages}
    for round_no in range(ROUNDS):
        for label, persona, path in pages:
            entry = results[label]
            if entry["stopped"]:
                continue
            session = sessions[persona]
            # A slow page gets one request per round, not REQUESTS.
            count = 1 if entry["thing"] and statistics.median(entry["thing"]) > 5 else REQUESTS
            for _ in range(count):
                try:
                    entry["thing"].append(timed_get(session, base + path))
                except requests.Timeout:
                    entry["stopped"] = True
                    break
                entry["floor"].append(timed_get(session, base + "/healthz"))
        print(f"  page round {round_no + 1}/{ROUNDS} done", flush=True)
    for label, persona, path in pages:
        entry = results[label]
        floor = statistics.median(entry["floor"]) if entry["floor"] else float("nan")
        if entry["stopped"]:
            report.add(
                Row(label, f"> {PAGE_TIMEOUT} s (stopped)", ms(floor), "n/a", f"`GET {path}` as {persona}")
            )
            continue
        thing = statistics.median(entry["thing"])
        report.add(
            Row(
                label,
                ms(thing),
                ms(floor),
                ratio(thing, floor),
                f"`GET {path}` as {persona}, n={len(entry['thing'])}",
            )
        )


WRK_SCRIPT = """
local items = {ITEMS}
local counter = 0
request = function()
  counter = counter + 1
  local item = items[(counter %% #items) + 1]
  return wrk.format("GET", item[1], {["Cookie"] = item[2], ["Host"] = "127.0.0.1"})
end
done = function(summary, latency, requests)
  io.write(string.format("BENCHWRK {\\"requests\\":%d,\\"duration_us\\":%d,\\"p50_us\\":%d,\\"p95_us\\":%d,\\"max_us\\":%d,"
    .. "\\"connect\\":%d,\\"read\\":%d,\\"write\\":%d,\\"status\\":%d,\\"timeout\\":%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency.max,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout))
end
"""


def wrk_run(base: str, items: list[tuple[str, str]], workdir: Path, name: str) -> dict:
    lua_items = "{" + ",".join(f'{{"{path}", "{cookie}"}}' for path, cookie in items) + "}"
    script = workdir / f"{name}.lua"
    script.write_text(WRK_SCRIPT.replace("%%", "%").replace("{ITEMS}", lua_items))
    args = [
        "wrk",
        "-t2",
        f"-c{USERS}",
        f"-d{LOAD_SECONDS}s",
        "--timeout",
        "60s",
        "-s",
        str(script),
        base + "/",
    ]
    proc = subprocess.run(
        args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=LOAD_SECONDS + 120
    )
    match = re.search(r"^BENCHWRK (.*)$", proc.stdout, re.M)
    if not match:
        raise SystemExit(f"wrk gave no result:\n{proc.stdout}")
    data = json.loads(match.group(1))
    drain(base)
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    data["errors"] = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    return data


def drain(base: str) -> None:
    """Wait until gunicorn has worked off the requests wrk left queued when it
    stopped (sync workers serve the listen queue in order), so that the next
    run starts on an idle server."""
    import requests

    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            started = time.perf_counter()
            requests.get(base + "/healthz", timeout=600)
            if time.perf_counter() - started < 0.5:
                return
        except requests.RequestException:
            time.sleep(1)


def load_rows(report: Report, base: str, sessions: dict, mix: list[tuple[str, str]], workdir: Path) -> None:
    cookie = {persona: f"sessionid={s.cookies['sessionid']}" for persona, s in sessions.items()}
    with_api = [(path, cookie[persona]) for persona, path in mix]
    without_api = [(path, c) for path, c in with_api if not path.startswith("/api/")]
    floor_items = [("/healthz", cookie[mix[0][0]])]
    for label, items in (
        (f"{USERS} users, mixed pages incl. `GET /api/v1/leads/`", with_api),
        (f"{USERS} users, the same mix without the API list", without_api),
    ):
        things, floors = [], []
        for round_no in range(LOAD_ROUNDS):
            things.append(wrk_run(base, items, workdir, "mix"))
            floors.append(wrk_run(base, floor_items, workdir, "floor"))
            print(
                f"  load round {round_no + 1}/{LOAD_ROUNDS}: {things[-1]['rps']:.1f} req/s vs {floors[-1]['rps']:.1f}",
                flush=True,
            )
        p95 = statistics.median(t["p95_us"] for t in things) / 1e6
        rps = statistics.median(t["rps"] for t in things)
        f95 = statistics.median(f["p95_us"] for f in floors) / 1e6
        frps = statistics.median(f["rps"] for f in floors)
        errors = sum(t["errors"] for t in things)
        ferrors = sum(f["errors"] for f in floors)
        report.add(
            Row(
                label,
                f"p95 {ms(p95)}, {rps:,.1f} req/s",
                f"p95 {ms(f95)}, {frps:,.0f} req/s",
                f"p95 {ratio(p95, f95)}; req/s ÷{frps / rps:,.1f}" if rps else "n/a",
                f"errors {errors} (floor {ferrors}); {LOAD_ROUNDS}×{LOAD_SECONDS} s each; "
                f"{sum(t['requests'] for t in things):,} requests over: "
                + ", ".join(sorted({p for p, _ in items})),
            )
        )


def web_rows(report: Report, workdir: Path, parts: set[str]) -> None:
    import psycopg

    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        # A deep keyset page: the cursor of the lead 90 % down the newest-first list.
        deep_id = max(1, LEADS // 10)
        (micros, pk) = conn.execute(
            "SELECT (extract(epoch FROM created_at) * 1000000)::bigint, id FROM leads_lead WHERE id = %s",
            [deep_id],
        ).fetchone()
        # The lead page: a lead with a long history.
        (lead_id,) = conn.execute(
            "SELECT lead_id FROM leads_leadevent WHERE lead_id BETWEEN %s AND %s GROUP BY lead_id "
            "ORDER BY count(*) DESC, lead_id LIMIT 1",
            [LEADS // 2, LEADS // 2 + 20000],
        ).fetchone()
        inbox_big = conn.execute(
            "SELECT count(*) FROM leads_lead l JOIN accounts_user u ON u.id = l.assigned_rep_id "
            "WHERE u.username = 'bench_rep_01' AND l.state = 'mql'"
        ).fetchone()[0]
        worked_big = conn.execute(
            "SELECT count(*) FROM leads_lead l JOIN accounts_user u ON u.id = l.assigned_rep_id "
            "WHERE u.username = 'bench_rep_01' AND l.state IN ('sal', 'sql')"
        ).fetchone()[0]
        open_cases = conn.execute("SELECT count(*) FROM adjudication_case WHERE status = 'open'").fetchone()[
            0
        ]
        mine = conn.execute(
            "SELECT count(*) FROM leads_lead l JOIN accounts_user u ON u.id = l.marketer_id WHERE u.username = 'bench_marketer_01'"
        ).fetchone()[0]
    cursor = f"{micros}-{pk}"
    _proc, base = gunicorn_start(workdir)
    try:
        personas = {
            "rep": "bench_rep_01",
            "small rep": "bench_rep_40",
            "marketer": "bench_marketer_01",
            "judge": "bench_judge_1",
            "manager": "bench_manager_1",
        }
        sessions = {persona: login(base, username) for persona, username in personas.items()}
        q = SEARCH_TERM
        pages = [
            ("Manager: All leads, first page", "manager", "/leads/"),
            (
                f"Manager: All leads, deep keyset page (lead {deep_id:,} of {LEADS:,})",
                "manager",
                f"/leads/?after={cursor}",
            ),
            (f"Marketer: My leads ({mine:,} owned)", "marketer", "/marketing/leads/"),
            ("Marketer: `GET /api/v1/leads/`", "marketer", "/api/v1/leads/"),
            (f"Rep: My accepted leads ({worked_big:,} SAL/SQL)", "rep", "/accepted/"),
            (f"Rep: inbox ({inbox_big:,} awaiting decision)", "rep", "/inbox/"),
            (f"Judge: review queue ({open_cases:,} open cases)", "judge", "/cases/"),
            (f"Search `q={q}`: All leads", "manager", f"/leads/?q={q}"),
            (f"Search `q={q}`: My leads", "marketer", f"/marketing/leads/?q={q}"),
            (f"Search `search={q}`: `GET /api/v1/leads/`", "marketer", f"/api/v1/leads/?search={q}"),
            (f"Rep: inbox of {dataset.SMALL_INBOX_ROWS} rows (render)", "small rep", "/inbox/"),
            ("Manager: dashboards", "manager", "/dashboards/"),
            (
                f"Manager: lead page (lead {lead_id:,}, longest history nearby)",
                "manager",
                f"/leads/{lead_id}/",
            ),
        ]
        if "pages" in parts:
            print("pages:")
            page_rows(report, base, sessions, pages)
            # The review queue at a tenth of the open cases: the others are
            # marked decided for the measurement and reopened right after.
            print("review queue at a tenth of the open cases:")
            hidden = cases_hide(keep_every=10)
            try:
                page_rows(
                    report,
                    base,
                    sessions,
                    [(f"Judge: review queue ({open_cases - hidden:,} open cases)", "judge", "/cases/")],
                )
            finally:
                cases_restore()
        if "load" in parts:
            print("load:")
            mix = [
                ("rep", "/inbox/"),
                ("rep", "/accepted/"),
                ("manager", "/leads/"),
                ("marketer", "/marketing/leads/"),
                ("judge", "/cases/"),
                ("manager", f"/leads/{lead_id}/"),
                ("marketer", "/api/v1/leads/"),
            ]
            load_rows(report, base, sessions, mix, workdir)
        if "plans" in parts:
            plans_collect(report, sessions, pages)
    finally:
        stop_children()
        terminate_backends(dataset.database_name(DATABASE_URL))


HIDDEN_RATIONALE = "bench: hidden for the small review queue, reopened after"


def cases_hide(keep_every: int) -> int:
    import psycopg

    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")
        cur = conn.execute(
            "UPDATE adjudication_case SET status = 'decided', decided_at = now(), decision = 'uphold', "
            "finding = 'none', rationale = %s WHERE status = 'open' AND id %% %s <> 0",
            [HIDDEN_RATIONALE, keep_every],
        )
        hidden = cur.rowcount
        conn.execute("ANALYZE adjudication_case")
    return hidden


def cases_restore() -> None:
    """Reopen cases a run hid (also after a run that died half-way)."""
    import psycopg

    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        cur = conn.execute(
            "UPDATE adjudication_case SET status = 'open', decided_at = NULL, decision = '', finding = '', "
            "rationale = '' WHERE rationale = %s",
            [HIDDEN_RATIONALE],
        )
        if cur.rowcount:
            conn.execute("ANALYZE adjudication_case")


def plans_collect(report: Report, sessions: dict, pages) -> None:
    """EXPLAIN ANALYZE of the slowest query of each page (a child process
    renders each page with Django's test client and captures its queries)."""
    env = app_env(DATABASE_URL)
    env["BENCH_PAGES"] = json.dumps(
        [(label, dataset_username(persona), path) for label, persona, path in pages]
    )
    code, out, _ = run_child([PYTHON, str(BENCH / "run.py"), "--child", "plans"], env=env, timeout=1800)
    match = re.search(r"^BENCHPLANS (.*)$", out, re.M)
    if code != 0 or not match:
        report.notes.append(f"PLANS.md not written: the plan collector failed ({code}).")
        print(out[-2000:])
        return
    report.plans = json.loads(match.group(1))


PERSONA_USERS = {
    "rep": "bench_rep_01",
    "small rep": "bench_rep_40",
    "marketer": "bench_marketer_01",
    "judge": "bench_judge_1",
    "manager": "bench_manager_1",
}


def dataset_username(persona: str) -> str:
    return PERSONA_USERS[persona]


def child_plans() -> int:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from leadcourt.accounts.models import User

    out = []
    client = Client(HTTP_HOST="127.0.0.1")
    for label, username, path in json.loads(os.environ["BENCH_PAGES"]):
        client.force_login(User.objects.get(username=username))
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        queries = sorted(captured.captured_queries, key=lambda q: float(q["time"]), reverse=True)
        if not queries:
            continue
        slowest = queries[0]["sql"]
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        out.append(
            f"## {label}\n\n`GET {path}` as {username}: {len(queries)} queries, "
            f"{sum(float(q['time']) for q in queries):.3f} s in SQL; the slowest "
            f"({float(queries[0]['time']):.3f} s):\n\n```sql\n{slowest}\n```\n\n```\n{plan}\n```\n"
        )
    print("BENCHPLANS " + json.dumps(out))
    return 0


# --- the decision sweep -----------------------------------------------------------------------------

SWEEP_FLOOR_SQL = """
WITH flagged AS (
  UPDATE leads_lead SET state = 'in_review', in_review_at = %(now)s, decision_due_at = NULL,
    followup_due_at = NULL, updated_at = %(now)s
  WHERE state = 'mql' AND decision_due_at <= %(now)s
  RETURNING id, assigned_rep_id, marketer_id, criteria_mask, criteria_count, delivered_at, rejection_reason_id
), cases AS (
  INSERT INTO adjudication_case (kind, lead_id, rep_id, marketer_id, opened_by_id, opened_at, due_at, snapshot,
      reason_code, status, decision, finding, rationale, cause)
  SELECT 'ignored', f.id, f.assigned_rep_id, f.marketer_id, %(system)s, %(now)s, %(due)s,
    jsonb_build_object('state_before', 'mql', 'reason', '', 'reason_label', '', 'note', '', 'rejected_at', NULL,
      'delivered_at', f.delivered_at,
      'criteria', ARRAY(SELECT (%(codes)s::text[])[b + 1] FROM generate_series(0, 9) b WHERE f.criteria_mask & (1 << b) <> 0),
      'grade', CASE WHEN f.criteria_count >= 7 THEN 'A' ELSE 'B' END,
      'touches', jsonb_build_object('count', coalesce(t.n, 0), 'by_channel', '{}'::jsonb, 'channels', 0,
        'followup_round', coalesce(t.n, 0), 'required', CASE WHEN f.criteria_count >= 7 THEN 6 ELSE 3 END)),
    '', 'open', '', '', '', ''
  FROM flagged f LEFT JOIN LATERAL (SELECT count(*) AS n FROM leads_touch t WHERE t.lead_id = f.id) t ON true
  RETURNING id, lead_id
), events AS (
  INSERT INTO leads_leadevent (lead_id, transition, from_state, to_state, actor_id, occurred_at, note, data,
      rulebook_version_id)
  SELECT lead_id, 'flag_ignored', 'mql', 'in_review', %(system)s, %(now)s, '',
    jsonb_build_object('case', id, 'kind', 'ignored'), %(rulebook)s FROM cases
  RETURNING 1
), notes AS (
  INSERT INTO notifications_notification (kind, recipient_id, key, lead_id, case_id, context, status, created_at,
      subject, skip_reason)
  SELECT 'case_opened', j.id, 'case_opened:case' || c.id, c.lead_id, c.id,
    jsonb_build_object('kind_label', 'Ignored lead', 'due_at', %(due)s::text), 'pending', %(now)s, '', ''
  FROM cases c CROSS JOIN (SELECT unnest(%(judges)s::bigint[]) AS id) j
  RETURNING 1
)
SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM notes)
"""


def sweep_floor(url: str) -> tuple[float, int]:
    """The sweep's writes as one statement, rolled back: (seconds, leads flagged)."""
    import psycopg

    with psycopg.connect(url) as conn:
        system = conn.execute("SELECT id FROM accounts_user WHERE is_system").fetchone()[0]
        rulebook = conn.execute(
            "SELECT id FROM leads_rulebookversion ORDER BY version DESC LIMIT 1"
        ).fetchone()[0]
        judges = [
            row[0]
            for row in conn.execute(
                "SELECT u.id FROM accounts_user u JOIN accounts_user_groups ug ON ug.user_id = u.id "
                "JOIN auth_group g ON g.id = ug.group_id WHERE g.name = 'judge' AND u.is_active"
            )
        ]
        conn.rollback()
        now = datetime.now(UTC)
        started = time.perf_counter()
        events, _ = conn.execute(
            SWEEP_FLOOR_SQL,
            {
                "now": now,
                "due": now + timedelta(days=7),
                "system": system,
                "rulebook": rulebook,
                "judges": judges,
                "codes": dataset.CRITERIA_CODES,
            },
        ).fetchone()
        seconds = time.perf_counter() - started
        conn.rollback()
    return seconds, events


def sweep_rows(report: Report) -> None:
    import psycopg
    from psycopg import sql

    sizes = sorted(sweep_sizes())
    source = dataset.database_name(DATABASE_URL)
    copy_url = urlunsplit(urlsplit(DATABASE_URL)._replace(path="/" + SWEEP_DATABASE))
    terminate_backends(source)
    started = time.perf_counter()
    with psycopg.connect(dataset.admin_url(DATABASE_URL), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(SWEEP_DATABASE))
        )
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(SWEEP_DATABASE), sql.Identifier(source)
            )
        )
    print(f"  copied {source} to {SWEEP_DATABASE} in {time.perf_counter() - started:.1f} s", flush=True)
    try:
        for size in sizes:
            with psycopg.connect(copy_url, autocommit=True) as conn:
                conn.execute(
                    "UPDATE leads_lead SET decision_due_at = now() - interval '1 minute' WHERE id IN "
                    "(SELECT id FROM leads_lead WHERE state = 'mql' ORDER BY id LIMIT %s)",
                    [size],
                )
                overdue = conn.execute(
                    "SELECT count(*) FROM leads_lead WHERE state = 'mql' AND decision_due_at <= now()"
                ).fetchone()[0]
            floors = []
            for _ in range(3):
                seconds, flagged = sweep_floor(copy_url)
                floors.append(seconds)
            floor = statistics.median(floors)
            label = f"Decision sweep, {overdue:,} overdue MQLs (`run_job sweep_decisions`)"
            seconds, summary = job_run("sweep_decisions", copy_url, SWEEP_TIMEOUT)
            if seconds is None:
                report.add(
                    Row(
                        label,
                        f"> {SWEEP_TIMEOUT} s (stopped)",
                        secs(floor),
                        f"> {SWEEP_TIMEOUT / floor:,.0f}×",
                        f"floor: one UPDATE … RETURNING + INSERTs of the same rows ({flagged:,} leads), rolled back",
                    )
                )
                break
            report.add(
                Row(
                    label,
                    secs(seconds),
                    secs(floor),
                    ratio(seconds, floor),
                    f"{summary}; floor: one UPDATE … RETURNING + INSERTs of cases, events, notifications "
                    f"({flagged:,} leads), rolled back, median of 3",
                )
            )
    finally:
        broker_purge()
        terminate_backends(SWEEP_DATABASE)
        with psycopg.connect(dataset.admin_url(DATABASE_URL), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(SWEEP_DATABASE))
            )


def broker_purge() -> None:
    """Empty the bench's own Redis database: the sweep queued a notification
    task per case (after commit) that no worker will ever run. Never the
    tests' database 0."""
    import redis

    client = redis.Redis.from_url(BROKER_URL)
    if client.connection_pool.connection_kwargs.get("db", 0) == 0:
        return
    client.flushdb()


# --- the CSV import ---------------------------------------------------------------------------------


def import_rows(report: Report, workdir: Path) -> None:
    out = workdir / "import.json"
    env = dict(
        os.environ, DATABASE_URL=IMPORT_DATABASE_URL, CELERY_BROKER_URL=BROKER_URL, PYTHONPATH=str(ROOT)
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    code, text, _ = run_child(
        [PYTHON, str(BENCH / "import_bench.py"), "--json", str(out)], env=env, timeout=1800
    )
    if code is None or not out.exists():
        report.add(Row("CSV import of x-education-leads.csv", "failed", "", "", text[-500:]))
        return
    data = json.loads(out.read_text())
    rows = data["rows"]
    report.add(
        Row(
            f"CSV import, {rows:,} rows, into an empty database",
            secs(data["import_seconds"]),
            secs(data["copy_seconds"]),
            ratio(data["import_seconds"], data["copy_seconds"]),
            f"`bench/import_bench.py`; floor: `COPY` of the same file into a scratch table (median of 3); "
            f"created {data['created']:,}; database {dataset.database_name(IMPORT_DATABASE_URL)}",
        )
    )
    report.add(
        Row(
            f"CSV re-import of the same {rows:,} rows (creates {data['reimport_created']})",
            secs(data["reimport_seconds"]),
            secs(data["copy_seconds"]),
            ratio(data["reimport_seconds"], data["copy_seconds"]),
        )
    )


# --- the report ----------------------------------------------------------------------------------------


def machine() -> dict:
    import psycopg

    with psycopg.connect(DATABASE_URL) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        settings = dict(
            conn.execute(
                "SELECT name, current_setting(name) FROM pg_settings WHERE name IN "
                "('shared_buffers', 'work_mem', 'autovacuum', 'max_wal_size', 'synchronous_commit')"
            ).fetchall()
        )
    mem = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
    return {
        "nproc": os.cpu_count(),
        "memory": f"{int(mem) / 1024 / 1024:.0f} GiB",
        "postgres": version,
        "pg_settings": settings,
        "python": platform.python_version(),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def write_results(
    report: Report,
    started: datetime,
    command: str,
    info: dict,
    load_end: str,
    seconds: float,
    *,
    partial: bool = False,
) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"- command: `{command}`",
        f"- date: {started:%Y-%m-%d %H:%M} UTC; the whole run took {seconds / 60:.0f} min",
        f"- machine: {info['nproc']} cores, {info['memory']}, PostgreSQL {info['postgres']} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(info['pg_settings'].items()))}), Python {info['python']}; "
        f"load average {info['load']} at the start, {load_end} at the end (the machine is shared)",
        f"- BENCH_LEADS: {LEADS:,}; rounds: {ROUNDS} × {REQUESTS} requests per page, {LOAD_ROUNDS} × {LOAD_SECONDS} s "
        f"per load row, {JOB_ROUNDS} per job",
    ]
    build = report.build or {}
    if build:
        counts = (build.get("info") or {}).get("counts", {})
        timings = (build.get("info") or {}).get("timings", [])
        how = "reused from" if build.get("reused") else "built in this run:"
        lines.append(
            f"- dataset {how} {build['leads']:,} leads, {counts.get('events', 0):,} history rows, "
            f"{counts.get('touches', 0):,} touches, {counts.get('cases', 0):,} cases "
            f"({counts.get('open_cases', 0):,} open), built in {build['seconds']:.0f} s "
            f"(" + ", ".join(f"{name} {s:.0f} s" for name, s in timings) + ")"
        )
        if counts.get("states"):
            lines.append("- lead states: " + ", ".join(f"{k} {v:,}" for k, v in counts["states"].items()))
    lines += [
        "",
        "Each row is the thing measured and its floor, measured in the same run, alternating;",
        "medians. Read the ratio, not the absolute times.",
        "",
        "| work | measured | floor | ratio |",
        "|---|---:|---:|---:|",
    ]
    for row in report.rows:
        lines.append(f"| {row.work} | {row.measured} | {row.floor} | {row.ratio} |")
    lines += ["", "## Notes per row", ""]
    for row in report.rows:
        if row.note:
            lines.append(f"- **{row.work}**: {row.note}")
    lines += [
        "",
        "Floors: pages are timed against `GET /healthz` (one `SELECT 1`) on the same logged-in",
        "persistent session; load rows against 64 users on `/healthz`; jobs against one set-based",
        "SQL statement doing the same writes (sweep) or the raw `GROUP BY` of the same numbers",
        "(snapshots); the import against `COPY` of the same file.",
    ]
    for note in report.notes:
        lines += ["", note]
    results, plans = RESULTS, PLANS
    if partial:
        # A run of some parts only never replaces the complete results.
        results = results.with_name(results.stem + "-partial.md")
        plans = plans.with_name(plans.stem + "-partial.md")
    results.write_text("\n".join(lines) + "\n")
    if report.plans:
        plans.write_text(
            "# Query plans of the benchmarked pages\n\n"
            f"`EXPLAIN (ANALYZE, BUFFERS)` of the slowest query of each page, {LEADS:,} leads, "
            f"{started:%Y-%m-%d}. Written by `bench/run.py`.\n\n" + "\n".join(report.plans)
        )
    print(f"wrote {results}" + (f" and {plans}" if report.plans else ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument(
        "--only", help="comma-separated parts: metrics,pages,load,plans,sweep,import (default: all)"
    )
    args = parser.parse_args()
    if args.child == "plans":
        return child_plans()
    if args.child:
        return child_job(args.child)

    name = dataset.database_name(DATABASE_URL)
    if "bench" not in name:
        print(f"bench: refusing database '{name}': its name must contain 'bench'", file=sys.stderr)
        return 2
    if not shutil.which("wrk"):
        print("bench: wrk not found (apt-get install wrk; bench/ensure-tools.sh does it)", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    parts = set((args.only or "metrics,pages,load,plans,sweep,import").split(","))
    started = datetime.now(UTC)
    clock = time.perf_counter()
    command = " ".join(
        [f"BENCH_LEADS={LEADS}"]
        + [
            f"{k}={v}"
            for k, v in sorted(os.environ.items())
            if k.startswith("BENCH_") and k != "BENCH_LEADS" and v
        ]
        + ["python bench/run.py"]
        + sys.argv[1:]
    )
    report = Report()
    try:
        info = machine() if dataset.database_exists(DATABASE_URL) else None
        meta = dataset_ready(report)
        info = info or machine()
        cases_restore()
        with tempfile.TemporaryDirectory(prefix="leadcourt-bench-") as tmp:
            workdir = Path(tmp)
            if "metrics" in parts:
                print("metric snapshots:")
                metrics_rows(report, meta["anchor_now"])
            if parts & {"pages", "load", "plans"}:
                web_rows(report, workdir, parts)
            if "sweep" in parts:
                print("decision sweep:")
                sweep_rows(report)
            if "import" in parts:
                print("CSV import:")
                import_rows(report, workdir)
    finally:
        stop_children()
        cases_restore()
    load_end = " ".join(f"{x:.2f}" for x in os.getloadavg())
    write_results(
        report, started, command, info, load_end, time.perf_counter() - clock, partial=bool(args.only)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
