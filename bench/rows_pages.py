# ruff: noqa: E501, S603
# The SQL here is the benchmark's own text, kept on long lines as SQL reads
# best; no value from outside is ever formatted into it (S608). Subprocesses
# are this repository's own scripts and Debian's wrk, never a shell (S603).
"""The web app under gunicorn: each page against ``GET /healthz`` on the same
session, the review queue at a tenth of its cases, the load rows
(``rows_load``), and the query plans of each page."""

from __future__ import annotations

import json
import os
import re
import socket
import statistics
import subprocess
import time
from pathlib import Path

import dataset
from harness import (
    BENCH,
    CHILDREN,
    DATABASE_URL,
    LEADS,
    PAGE_TIMEOUT,
    PYTHON,
    REQUESTS,
    ROOT,
    ROUNDS,
    SEARCH_TERM,
    Report,
    Row,
    app_env,
    ms,
    ratio,
    run_child,
    stop_children,
    terminate_backends,
)
from rows_load import load_rows

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
            # Threads hold idle keep-alive connections (a user reading a page)
            # without blocking a worker: a sync worker would sit in recv() on
            # a connection wrk opened early for the next request, and users
            # who think would queue behind each other's thinking.
            "-k",
            "gthread",
            "--threads",
            "4",
            "--keep-alive",
            "30",
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
            ("Rep: cases about my leads", "rep", "/cases/"),
            ("Marketer: Rejected leads", "marketer", "/leads/rejected/"),
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
            # Every list page, the API list, the review queue and search.
            mix = [
                ("rep", "/inbox/"),
                ("rep", "/accepted/"),
                ("manager", "/leads/"),
                ("manager", f"/leads/?after={cursor}"),
                ("marketer", "/marketing/leads/"),
                ("marketer", "/leads/rejected/"),
                ("judge", "/cases/"),
                ("rep", "/cases/"),
                ("manager", f"/leads/{lead_id}/"),
                ("marketer", "/api/v1/leads/"),
                ("manager", f"/leads/?q={q}"),
                ("marketer", f"/marketing/leads/?q={q}"),
                ("marketer", f"/api/v1/leads/?search={q}"),
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
            # VACUUM too: the updates left dead tuples and cleared the
            # visibility map, and the case pages measured next would read the
            # table instead of their indexes (as no quiet production table does).
            conn.execute("VACUUM (ANALYZE) adjudication_case")


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
