# ruff: noqa: E501, S603
# SQL and report text are kept on long lines. Subprocesses are this repository's own commands (dataset.py, manage.py,
# gunicorn, celery) with arguments built here, never a shell.
"""The scale-out bench (issue #11, build item 8): past one machine, on real
parts, measured here. `make bench-scaleout`, or:

    .venv/bin/python bench/scaleout.py

1. A bench database ``leadcourt_bench_scale`` of ``BENCH_SCALE_LEADS``
   (100,000) leads (bench/dataset.py; reused when it holds that many).
2. A streaming read replica of the local primary on 127.0.0.1:5433
   (bench/scaleout_replica.py: ``pg_basebackup -R``), and PgBouncer in
   transaction pooling mode in front of both (bench/scaleout_pgbouncer.py).
3. gunicorn (2 sync workers, DEBUG off) and two Celery workers (queue
   ``sweeps``; queues ``metrics`` and ``notifications``), all connected
   through PgBouncer with DATABASE_POOLER=pgbouncer, the replica as
   DATABASE_REPLICA_URL, the broker in Redis database 6.
4. Jobs through PgBouncer and the queues: the metric snapshots (an advisory
   transaction lock), then the decision sweep over ``BENCH_SCALE_OVERDUE``
   (200) MQLs made overdue, whose notifications go to the other worker.
5. The read pages, each ``BENCH_SCALE_ROUNDS`` (3) times per phase, twice:
   once with the browsers pinned to the primary (the cookie a POST sets),
   once not; ``pg_stat_database`` of the bench database on each cluster
   before and after each phase (transactions, rows read, buffers), and
   ``pg_stat_statements`` on the replica.
6. A decision POST (a rep accepts a lead): the lead's state on the primary,
   how long the replica took to show it, and the rep's inbox right after
   (pinned: the lead is gone from it).
7. PgBouncer's pools: client against server connections.

Writes bench/RESULTS-scaleout.md. Stops everything it started and removes the
replica's data directory at the end (``BENCH_SCALE_KEEP=1`` keeps the replica
and PgBouncer running). The bench database stays for the next run: drop it
with ``DROP DATABASE leadcourt_bench_scale``.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))
import dataset  # noqa: E402
import scaleout_pgbouncer as pgbouncer  # noqa: E402
import scaleout_replica as replica  # noqa: E402
from scaleout_report import Report  # noqa: E402

PYTHON = sys.executable
LEADS = int(os.environ.get("BENCH_SCALE_LEADS", "100000"))
ROUNDS = int(os.environ.get("BENCH_SCALE_ROUNDS", "3"))
OVERDUE = int(os.environ.get("BENCH_SCALE_OVERDUE", "200"))
TIMING_ROUNDS = int(os.environ.get("BENCH_SCALE_TIMING_ROUNDS", "5"))
DATABASE = "leadcourt_bench_scale"
DIRECT_URL = f"postgres://leadcourt:leadcourt@127.0.0.1:5432/{DATABASE}"
BROKER_URL = os.environ.get("BENCH_SCALE_BROKER_URL", "redis://127.0.0.1:6379/6")
# PostgreSQL 15 backends publish their statistics when idle at most every 10 s.
STATS_FLUSH_SECONDS = 11
PERSONAS = {
    "manager": "bench_manager_1",
    "rep": "bench_rep_01",
    "marketer": "bench_marketer_01",
    "judge": "bench_judge_1",
}
# (persona, path, what it is); "marked" says where @reads_from_replica is.
PAGES = [
    ("manager", "/dashboards/", "Manager: dashboards", "app"),
    ("manager", "/dashboards/?export=acceptance", "Manager: dashboard CSV export", "app"),
    ("manager", "/leads/", "Manager: All leads", "bench"),
    ("rep", "/inbox/", "Rep: inbox", "bench"),
    ("rep", "/accepted/", "Rep: My accepted leads", "bench"),
    ("marketer", "/marketing/leads/", "Marketer: My leads", "bench"),
    ("marketer", "/leads/rejected/", "Marketer: rejected leads", "bench"),
    ("judge", "/cases/", "Judge: review queue", "bench"),
    ("marketer", "/api/v1/leads/", "Marketer: GET /api/v1/leads/", "bench"),
]
PIN_COOKIE = "leadcourt_primary_pin"  # leadcourt.replica_reads.PIN_COOKIE
CHILDREN: list[subprocess.Popen] = []


def say(message: str) -> None:
    print(f"scaleout: {message}", flush=True)


def app_env() -> dict:
    return {
        **os.environ,
        "DATABASE_URL": pgbouncer.url(DATABASE),
        "DATABASE_REPLICA_URL": pgbouncer.url(pgbouncer.replica_database(DATABASE)),
        "DATABASE_POOLER": "pgbouncer",
        "CONN_MAX_AGE": "600",
        "CELERY_BROKER_URL": BROKER_URL,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "INFO",
        "DJANGO_SETTINGS_MODULE": "scaleout_settings",
        "PYTHONPATH": f"{ROOT}:{BENCH}",
    }


def spawn(args: list[str], log: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        args, cwd=ROOT, env=app_env(), stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )
    CHILDREN.append(proc)
    return proc


def stop_children() -> None:
    for proc in reversed(CHILDREN):
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in CHILDREN:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    CHILDREN.clear()


# --- setting up ----------------------------------------------------------------------------------


def dataset_ready() -> str:
    meta = dataset.dataset_meta(DIRECT_URL)
    if meta is not None and meta["leads"] == LEADS and os.environ.get("BENCH_REBUILD") != "1":
        return f"reused ({meta['leads']:,} leads, built {meta['anchor_now']:%Y-%m-%d %H:%M} UTC)"
    say(f"building {DATABASE} with {LEADS:,} leads")
    started = time.perf_counter()
    subprocess.run(
        [PYTHON, "bench/dataset.py", "--leads", str(LEADS), "--rebuild", "--no-verify"],
        cwd=ROOT,
        env={**os.environ, "BENCH_DATABASE_URL": DIRECT_URL},
        check=True,
        timeout=1800,
    )
    return f"built in this run ({LEADS:,} leads, {time.perf_counter() - started:.0f} s)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_start(workdir: Path) -> str:
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=app_env(), check=True
    )
    port = free_port()
    command = [PYTHON, "-m", "gunicorn", "leadcourt.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}"]
    proc = spawn([*command, "--timeout", "300"], workdir / "gunicorn.log")
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited: see {workdir / 'gunicorn.log'}")
        try:
            if requests.get(base + "/healthz", timeout=2).status_code == 200:
                return base
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def workers_start(workdir: Path) -> dict[str, Path]:
    import redis

    redis.Redis.from_url(BROKER_URL).flushdb()  # the bench's own Redis database
    logs = {}
    for name, queues in (("sweeps", "sweeps,celery"), ("other", "metrics,notifications")):
        logs[name] = workdir / f"worker-{name}.log"
        spawn(
            [
                *(PYTHON, "-m", "celery", "-A", "leadcourt", "worker", "-Q", queues, "--pool=solo"),
                *("--without-gossip", "--without-mingle", "-n", f"{name}@%h", "--loglevel=INFO"),
            ],
            logs[name],
        )
    return logs


def task_run(task: str, logs: dict[str, Path], timeout: int = 900) -> tuple[str, float, str]:
    """Send ``task`` by name (routed by settings) and wait until a worker logs
    its success; returns (the worker that ran it, seconds, its report)."""
    started = time.perf_counter()
    subprocess.run([PYTHON, "-m", "celery", "-A", "leadcourt", "call", task], env=app_env(), check=True)
    pattern = re.compile(rf"Task {re.escape(task)}\[[^\]]+\] (succeeded in ([\d.]+)s: (.*)|raised .*)")
    while time.perf_counter() - started < timeout:
        for worker, log in logs.items():
            match = pattern.search(log.read_text())
            if match and match.group(2):
                return worker, float(match.group(2)), match.group(3)
            if match:
                raise SystemExit(f"{task} failed on worker {worker}: {match.group(0)}")
        time.sleep(0.5)
    raise SystemExit(f"{task} did not finish within {timeout} s")


def login(base: str, username: str) -> requests.Session:
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
    if answer.status_code != 302:
        raise SystemExit(f"login as {username} failed: {answer.status_code}")
    return session


# --- measuring -----------------------------------------------------------------------------------


def counters() -> dict[str, tuple[int, int, int]]:
    """Per cluster: transactions, rows read (returned + fetched), buffers
    touched, of the bench database."""
    query = (
        "SELECT xact_commit + xact_rollback, tup_returned + tup_fetched, blks_hit + blks_read "
        "FROM pg_stat_database WHERE datname = %s"
    )
    found = {}
    for cluster, url in (("primary", replica.PRIMARY_ADMIN_URL), ("replica", replica.replica_url())):
        with psycopg.connect(url) as conn:
            found[cluster] = tuple(conn.execute(query, [DATABASE]).fetchone())
    return found


def pages_phase(base: str, sessions: dict, *, pinned: bool) -> dict:
    """GET every page ROUNDS times; returns the per-cluster counter deltas."""
    for session in sessions.values():
        session.cookies.set(PIN_COOKIE, None)  # None deletes it
        if pinned:
            session.cookies.set(PIN_COOKIE, "1", domain="127.0.0.1")
    time.sleep(STATS_FLUSH_SECONDS)
    before = counters()
    for _ in range(ROUNDS):
        for persona, path, _, _ in PAGES:
            response = sessions[persona].get(base + path, timeout=300)
            if response.status_code != 200:
                raise SystemExit(f"GET {path} as {persona}: {response.status_code}\n{response.text[:500]}")
    time.sleep(STATS_FLUSH_SECONDS)
    after = counters()
    return {c: tuple(a - b for a, b in zip(after[c], before[c], strict=True)) for c in after}


def timing_alternating(base: str, sessions: dict, rounds: int) -> dict[str, tuple[float, float]]:
    """Median ms per page pinned to the primary and read from the replica,
    alternating request by request (the machine is shared: only a ratio
    measured this way means anything)."""
    times: dict[str, tuple[list[float], list[float]]] = {label: ([], []) for _, _, label, _ in PAGES}
    for _ in range(rounds):
        for persona, path, label, _ in PAGES:
            session = sessions[persona]
            for pinned, samples in zip((True, False), times[label], strict=True):
                session.cookies.set(PIN_COOKIE, None)
                if pinned:
                    session.cookies.set(PIN_COOKIE, "1", domain="127.0.0.1")
                started = time.perf_counter()
                response = session.get(base + path, timeout=300)
                samples.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise SystemExit(f"GET {path} as {persona}: {response.status_code}")
    return {label: (statistics.median(a), statistics.median(b)) for label, (a, b) in times.items()}


def replica_statements(limit: int = 10) -> list[tuple[int, int, float, str]]:
    """The replica's costliest statements of the bench database: calls, rows,
    total ms, and the tables they read (the text itself is pages long)."""
    with psycopg.connect(replica.replica_url(DATABASE)) as conn:
        rows = conn.execute(
            "SELECT calls, rows, total_exec_time, query FROM pg_stat_statements "
            "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = %s) ORDER BY total_exec_time DESC LIMIT %s",
            [DATABASE, limit],
        ).fetchall()
    found = []
    for calls, count, total_ms, query in rows:
        tables = list(dict.fromkeys(re.findall(r'(?:FROM|JOIN) "(\w+)"', query)))
        found.append((calls, count, total_ms, f"{query.split()[0]} … {', '.join(tables) or query[:60]}"))
    return found


def decision_post(base: str, session: requests.Session) -> dict:
    """The rep accepts the first lead of their inbox, through the browser form."""
    with psycopg.connect(DIRECT_URL) as conn:
        (lead_id,) = conn.execute(
            "SELECT l.id FROM leads_lead l JOIN accounts_user u ON u.id = l.assigned_rep_id "
            "WHERE u.username = %s AND l.state = 'mql' ORDER BY l.id LIMIT 1",
            [PERSONAS["rep"]],
        ).fetchone()
    session.cookies.set(PIN_COOKIE, None)
    session.get(base + "/inbox/", timeout=60)  # the page the rep decides from (sets csrftoken)
    answer = session.post(
        f"{base}/leads/{lead_id}/accept/",
        data={"csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": base + "/inbox/"},
        allow_redirects=False,
        timeout=60,
    )
    lag = replica.caught_up()
    with psycopg.connect(DIRECT_URL) as conn:
        (primary_state,) = conn.execute("SELECT state FROM leads_lead WHERE id = %s", [lead_id]).fetchone()
    with psycopg.connect(replica.replica_url(DATABASE)) as conn:
        (replica_state,) = conn.execute("SELECT state FROM leads_lead WHERE id = %s", [lead_id]).fetchone()
    inbox = session.get(base + "/inbox/", timeout=60)
    return {
        "lead": lead_id,
        "status": answer.status_code,
        "pinned": PIN_COOKIE in answer.cookies,
        "primary_state": primary_state,
        "replica_state": replica_state,
        "replica_lag_ms": lag * 1000,
        "inbox_still_lists_it": f"/leads/{lead_id}/" in inbox.text,
    }


def notifications_delivered(log: Path, quiet_seconds: float = 5, timeout: float = 180) -> tuple[int, int]:
    """(notification_deliver tasks that succeeded, mails they sent) in
    ``log``, once no new task has finished for ``quiet_seconds``."""
    done = re.compile(r"Task leadcourt\.notifications\.tasks\.notification_deliver\[[^\]]+\] succeeded")
    count, changed, deadline = -1, time.monotonic(), time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = len(done.findall(log.read_text()))
        if now != count:
            count, changed = now, time.monotonic()
        elif now and time.monotonic() - changed >= quiet_seconds:
            break
        time.sleep(0.5)
    sent = sum(int(n) for n in re.findall(r"notifications delivered: \{[^}]*'sent': (\d+)", log.read_text()))
    return count, sent


def make_overdue(n: int) -> int:
    with psycopg.connect(DIRECT_URL, autocommit=True) as conn:
        conn.execute(
            "UPDATE leads_lead SET decision_due_at = now() - interval '1 minute' WHERE id IN "
            "(SELECT id FROM leads_lead WHERE state = 'mql' ORDER BY id LIMIT %s)",
            [n],
        )
        (overdue,) = conn.execute(
            "SELECT count(*) FROM leads_lead WHERE state = 'mql' AND decision_due_at <= now()"
        ).fetchone()
    return overdue


def main() -> int:
    report = Report(
        command="make bench-scaleout", leads=LEADS, rounds=ROUNDS, pages=PAGES, timing_rounds=TIMING_ROUNDS
    )
    workdir = Path(tempfile.mkdtemp(prefix="leadcourt-scaleout-"))
    started = time.perf_counter()
    try:
        report.dataset = dataset_ready()
        with psycopg.connect(replica.PRIMARY_ADMIN_URL.rsplit("/", 1)[0] + f"/{DATABASE}") as conn:
            conn.execute(
                "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
            )  # replicated; loaded on the replica
        replica_started = time.perf_counter()
        replica.start()
        report.replica_start_seconds = time.perf_counter() - replica_started
        report.replica_settings = replica.primary_settings()
        pgbouncer.start(DATABASE, replica.REPLICA_PORT)
        base = gunicorn_start(workdir)
        logs = workers_start(workdir)

        say("jobs through PgBouncer and the queues")
        report.jobs.append(
            ("metrics.tasks.metrics_snapshots", *task_run("metrics.tasks.metrics_snapshots", logs))
        )
        report.overdue = make_overdue(OVERDUE)
        report.jobs.append(
            ("adjudication.tasks.sweep_decisions", *task_run("adjudication.tasks.sweep_decisions", logs))
        )
        report.notifications = notifications_delivered(logs["other"])

        sessions = {persona: login(base, username) for persona, username in PERSONAS.items()}
        say("pages, pinned to the primary")
        report.phases["pinned to the primary"] = pages_phase(base, sessions, pinned=True)
        with psycopg.connect(replica.replica_url(DATABASE)) as conn:
            conn.execute("SELECT pg_stat_statements_reset()")
        say("pages, reads from the replica")
        report.phases["reads from the replica"] = pages_phase(base, sessions, pinned=False)
        report.statements = replica_statements()
        say("page times, pinned and not, alternating")
        report.timing = timing_alternating(base, sessions, TIMING_ROUNDS)

        say("a decision POST")
        report.decision = decision_post(base, sessions["rep"])
        report.pools = pgbouncer.admin("SHOW POOLS")
        report.pgbouncer_stats = pgbouncer.admin("SHOW STATS")
        report.clients = pgbouncer.admin("SHOW CLIENTS")
        report.servers = pgbouncer.admin("SHOW SERVERS")
        say("transaction pooling: many clients, few server connections")
        report.multiplexing = pgbouncer.multiplexing_check(DATABASE)
        with psycopg.connect(replica.PRIMARY_ADMIN_URL) as conn:
            report.replication = conn.execute(
                "SELECT state, write_lag, flush_lag, replay_lag FROM pg_stat_replication WHERE application_name = %s",
                [replica.CLUSTER_NAME],
            ).fetchone()
        report.seconds = time.perf_counter() - started
        report.date = datetime.now(UTC)
        report.write(BENCH / "RESULTS-scaleout.md")
        say(f"wrote bench/RESULTS-scaleout.md in {report.seconds:.0f} s")
        return 0
    finally:
        stop_children()
        if os.environ.get("BENCH_SCALE_KEEP") != "1":
            pgbouncer.remove()
            replica.remove()


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.exit(main())
