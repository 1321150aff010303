# ruff: noqa: E501, S608
# The SQL here is the benchmark's own text, kept on long lines as SQL reads
# best; no value from outside is ever formatted into it (S608). Subprocesses
# are this repository's own scripts and Debian's wrk, never a shell (S603).
"""Build the benchmark database: N leads with a year of realistic history, in SQL.

    DATABASE_URL=postgres://…/leadcourt_bench python bench/dataset.py [--leads N] [--rebuild]

``BENCH_LEADS`` (default 1,000,000) leads, written by a handful of
``INSERT … SELECT`` statements over ``generate_series`` rather than through
the services (replaying a million leads through ``leads.services`` would take
hours). What the services would have written is imitated row for row:

* every lead walks one of the stories in ``SCENARIOS`` (inquiry,
  disqualified, delivered and waiting, accepted and worked, won, lost,
  rejected and conceded / expired / appealed / recycled, ignored, not
  followed up, …), with the lead's fields as the FSM transitions leave them
  (``leads.models.Lead``: ``_deliver``, ``accept``, ``_open_rejection``,
  ``_enter_review``, ``verdict_*``), so every check constraint holds;
* every state change has its ``LeadEvent`` (transition, from, to, actor,
  reason, note, ``data`` as ``leads.services`` / ``adjudication.services``
  write it, the rulebook version in force), appended month by month, so
  event ids increase with time within each lead as the metrics expect; the
  append-only trigger stays on (rows are only ever inserted);
* touches for accepted leads (enough for the grade where the story says the
  lead was worked, too few where it was flagged), cases with their snapshot,
  statements, one vote per verdict (panel of one), escalations of overdue
  cases;
* deadlines in working time (Mon–Fri 09:00–17:00, Europe/London), as
  ``leads.deadlines`` counts them: every event happens in working hours, so
  "48 working hours" is six working days later at the same time of day.

About 11 % of the leads are MQLs waiting for a decision (the rep inboxes'
backlog, and the pool the harness makes overdue for the decision sweep) and
about 11 % are in review with an open case (the review queue).

Random choices come from ``hashint8extended`` of the row number: the same
N gives the same dataset (apart from UUIDs and the anchor "now").

The database must be freshly migrated (this script runs ``migrate``) and its
name must contain ``bench``; ``--rebuild`` drops and recreates it first.
Each step prints its time; the script then checks a few counts and renders
a handful of pages through Django's test client.

It loads like a bulk loader: the big tables' secondary indexes, UNIQUE and
foreign-key constraints are taken off first (``dataset_bulk``), each table's
indexes are built once it is filled, on a connection of their own while the
next table loads, and the foreign keys come back checked in one pass each;
the schema must then be exactly what ``migrate`` made. The plan and the big
inserts run on ``BENCH_BUILD_WORKERS`` connections (default 2), one range of
leads each.

The pieces: ``dataset_tables`` (what the data is drawn from),
``dataset_sql`` (small SQL builders), ``dataset_people`` (users, segments,
campaigns), ``dataset_plan`` (one row per lead with its story),
``dataset_rows`` (the inserts), ``dataset_bulk`` (connections side by side,
indexes and constraints off and back); this module holds the database, the
build order, the checks and the command line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from dataset_bulk import SESSION_SETTINGS, StatementPool, constraints_add, load_schema_drop, statements_run
from dataset_people import campaigns_create, users_create
from dataset_plan import helpers_sql, plan_sql, touches_plan_sql
from dataset_rows import SEQUENCES, TOUCHES_INSERT, cases_plan_sql, cases_sql, events_sql, leads_insert_sql
from dataset_sql import step, wd_date, wd_index
from dataset_tables import (
    BENCH_PASSWORD,
    CRITERIA_CODES,
    DEFAULT_DATABASE_URL,
    GENERATOR_VERSION,
    HISTORY_WORKING_DAYS,
    META_TABLE,
    ROOT,
    SMALL_INBOX_ROWS,
    TZ,
)

# What bench/run.py and the scale-out bench read from here.
__all__ = [
    "BENCH_PASSWORD",
    "CRITERIA_CODES",
    "DEFAULT_DATABASE_URL",
    "GENERATOR_VERSION",
    "SMALL_INBOX_ROWS",
    "admin_url",
    "build",
    "database_exists",
    "database_name",
    "database_recreate",
    "dataset_meta",
    "verify",
]

# --- the database ---------------------------------------------------------------------------


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def admin_url(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def database_recreate(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = database_name(url)
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def database_exists(url: str) -> bool:
    import psycopg

    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        return bool(
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database_name(url)]).fetchone()
        )


def dataset_meta(url: str) -> dict | None:
    """What the stored dataset was built with, or None (no database, or not built)."""
    import psycopg

    if not database_exists(url):
        return None
    with psycopg.connect(url, autocommit=True) as conn:
        exists = conn.execute("SELECT to_regclass(%s)", [META_TABLE]).fetchone()[0]
        if not exists:
            return None
        row = conn.execute(
            f"SELECT leads, generator, built_at, anchor_now, seconds, info FROM {META_TABLE}"
        ).fetchone()
    if row is None:
        return None
    leads, generator, built_at, anchor_now, seconds, info = row
    return {
        "leads": leads,
        "generator": generator,
        "built_at": built_at,
        "anchor_now": anchor_now,
        "seconds": seconds,
        "info": info,
    }


def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadcourt.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- the build ------------------------------------------------------------------------------------


def run(cursor, statement: str) -> None:
    """Execute; with BENCH_EXPLAIN=1, EXPLAIN ANALYZE inserts and print where the time went."""
    if os.environ.get("BENCH_EXPLAIN") == "1" and statement.lstrip().upper().startswith("INSERT"):
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement)
        lines = [row[0] for row in cursor.fetchall()]
        print()
        for line in lines:
            if "Trigger" in line or "Execution" in line or "Insert on" in line or "Planning" in line:
                print("      " + line.strip())
        return
    cursor.execute(statement)


def lead_ranges(n: int, workers: int) -> list[tuple[int, int]]:
    """The ranges of lead ids (and plan rows) the connections share out."""
    return [(n * k // workers + 1, n * (k + 1) // workers) for k in range(workers)]


def plan_run(url: str, cursor, statements: list, helpers: list[str]) -> None:
    """Statements in order on ``cursor``; a list among them runs its
    statements side by side, one connection each."""
    for statement in statements:
        if isinstance(statement, list):
            statements_run(url, statement, len(statement), setup=helpers)
        else:
            run(cursor, statement)


def vacuum_statements(cursor) -> list[str]:
    """``VACUUM (ANALYZE)`` of the database, one statement per table (the
    catalogs' included), largest first, to share among connections."""
    cursor.execute(
        """SELECT format('VACUUM (ANALYZE) %I.%I', n.nspname, c.relname) FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'm') AND c.relpersistence <> 't' AND n.nspname NOT IN ('pg_toast', 'information_schema')
        ORDER BY pg_relation_size(c.oid) DESC"""
    )
    return [row[0] for row in cursor.fetchall()]


def parallel_insert(url: str, statement: str, n: int, helpers: list[str], workers: int) -> None:
    """Run ``statement`` (with ``{P}``, ``{PC}``, ``{PT}`` standing for the plan
    tables, ``{LO}`` for the first lead id of the range) on ``workers``
    connections at once, each for its own range of lead ids and committing
    on its own."""
    bounds = lead_ranges(n, workers)
    statements = [
        statement.replace("{P}", f"(SELECT * FROM bench_p WHERE id BETWEEN {lo} AND {hi})")
        .replace("{PC}", f"(SELECT * FROM bench_pc WHERE id BETWEEN {lo} AND {hi})")
        .replace("{PT}", f"(SELECT * FROM bench_pt WHERE lead_id BETWEEN {lo} AND {hi})")
        .replace("{LO}", str(lo))
        for lo, hi in bounds
    ]
    statements_run(url, statements, workers, setup=helpers)


def build(url: str, n: int) -> dict:
    """Migrate, generate, analyse, record; returns the meta row written."""
    from django.core.management import call_command
    from django.db import connection

    timings: list[tuple[str, float]] = []
    started = time.perf_counter()
    print(f"bench dataset: {n:,} leads into {database_name(url)}")
    with step("migrate (fresh database)", timings):
        call_command("migrate", verbosity=0)

    now = datetime.now(UTC).replace(microsecond=0)
    today = now.astimezone(TZ).date()
    while today.weekday() >= 5:  # a weekend build counts from the next Monday
        today += timedelta(days=1)
    t = wd_index(today)
    first_day = t - HISTORY_WORKING_DAYS - 40
    days = [
        (i, datetime.combine(wd_date(i), datetime.min.time(), tzinfo=TZ).replace(hour=9))
        for i in range(first_day, t + 60)
    ]
    rb2_at = days[t - 130 - first_day][1] + timedelta(hours=2)
    first_month = wd_date(t - HISTORY_WORKING_DAYS - 20).replace(day=1)
    months = []
    month = first_month
    while month <= today:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)

    with connection.cursor() as cursor:
        for setting in SESSION_SETTINGS:
            cursor.execute(setting)
        with step("indexes and foreign keys of the big tables off", timings):
            taken_off = load_schema_drop(url)
        for create in taken_off.indexes_kept:
            print(f"    kept during the load (its definition does not replay exactly): {create}")
        with step("users, segments, campaigns, rulebook v2", timings):
            ids = users_create(cursor, now, rb2_at)
            first_campaign = campaigns_create(cursor, months, ids["marketers"], today)
            ids["first_campaign"] = first_campaign
        helpers = helpers_sql(days)
        for statement in helpers:
            cursor.execute(statement)
        workers = max(1, int(os.environ.get("BENCH_BUILD_WORKERS", "2")))
        ranges = lead_ranges(n, workers)
        with step(f"plan: one row per lead ({workers} connections)", timings):
            plan_run(url, cursor, plan_sql(ranges, t, ids, first_campaign, first_month), helpers)
        with step(f"plan: touches ({workers} connections)", timings):
            plan_run(url, cursor, touches_plan_sql(ranges, t), helpers)
        with step("plan: cases", timings):
            for statement in cases_plan_sql():
                cursor.execute(statement)
        # Each table's indexes are built as soon as it is filled, on a
        # connection of their own, while the next table loads; the history,
        # with the most indexes after the leads, is loaded next.
        indexing = StatementPool(url)
        with step(f"insert leads ({workers} connections)", timings):
            parallel_insert(url, leads_insert_sql(t, ids), n, helpers, workers)
        indexing.submit(taken_off.table_finish("leads_lead"))
        indexing.grow(1)
        with step(f"insert history: lead events ({workers} connections)", timings):
            parallel_insert(url, events_sql(ids, rb2_at), n, helpers, workers)
        indexing.submit(taken_off.table_finish("leads_leadevent"))
        with step("insert cases, statements, votes", timings):
            for statement in cases_sql(ids):
                run(cursor, statement.replace("{t}", str(t)))
        for table in ("adjudication_case", "adjudication_statement", "adjudication_vote"):
            indexing.submit(taken_off.table_finish(table))
        with step(f"insert touches ({workers} connections)", timings):
            parallel_insert(url, TOUCHES_INSERT, n, helpers, workers)
        indexing.submit(taken_off.table_finish("leads_touch"))
        with step(f"the indexes still building ({workers} connections)", timings):
            indexing.grow(workers)
            indexing.join()
        with step("add the foreign keys, check them", timings):
            constraints_add(url, taken_off, workers)
        with step(f"sequences, VACUUM (ANALYZE) ({workers} connections)", timings):
            for table, column in SEQUENCES:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                    f"GREATEST((SELECT max({column}) FROM {table}), 1))"
                )
            if os.environ.get("BENCH_KEEP_PLAN") != "1":  # kept for debugging the generator
                cursor.execute("DROP TABLE bench_p, bench_pc, bench_pt, bench_pt_agg, bench_masks")
            # VACUUM, not only ANALYZE: autovacuum may be off on this cluster,
            # and a production database would have its visibility map and hint
            # bits set; otherwise the first benchmark query to read each page
            # would pay for writing them. (The big tables were vacuumed
            # before their indexes were built; this is their statistics.)
            statements_run(url, vacuum_statements(cursor), workers)
        seconds = time.perf_counter() - started
        counts = dataset_counts(cursor)
        info = {"timings": timings, "counts": counts, "anchor_working_day": t, "ids": ids}
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {META_TABLE} (leads integer, generator integer, built_at timestamptz, "
            "anchor_now timestamptz, seconds double precision, info jsonb)"
        )
        cursor.execute(f"DELETE FROM {META_TABLE}")
        cursor.execute(
            f"INSERT INTO {META_TABLE} VALUES (%s, %s, now(), %s, %s, %s)",
            [n, GENERATOR_VERSION, now, seconds, json.dumps(info, default=str)],
        )
    print(f"  {'total (including migrate)':<52}{seconds:8.1f} s")
    return {"leads": n, "seconds": seconds, "info": info}


def dataset_counts(cursor) -> dict:
    queries = {
        "leads": "SELECT count(*) FROM leads_lead",
        "events": "SELECT count(*) FROM leads_leadevent",
        "touches": "SELECT count(*) FROM leads_touch",
        "cases": "SELECT count(*) FROM adjudication_case",
        "open_cases": "SELECT count(*) FROM adjudication_case WHERE status = 'open'",
        "statements": "SELECT count(*) FROM adjudication_statement",
        "votes": "SELECT count(*) FROM adjudication_vote",
    }
    counts = {}
    for name, query in queries.items():
        cursor.execute(query)
        counts[name] = cursor.fetchone()[0]
    cursor.execute("SELECT state, count(*) FROM leads_lead GROUP BY state ORDER BY 2 DESC")
    counts["states"] = dict(cursor.fetchall())
    return counts


def verify(n: int) -> list[str]:
    """Counts that must hold, and pages that must render; returns the problems."""
    from django.db import connection
    from django.test import Client

    from leadcourt.accounts.models import User
    from leads.models import Lead, LeadEvent

    problems = []
    with connection.cursor() as cursor:
        counts = dataset_counts(cursor)
        checks = {
            # every lead has its create event, the first of its history
            "leads without a create event": """SELECT count(*) FROM leads_lead l WHERE NOT EXISTS
                (SELECT 1 FROM leads_leadevent e WHERE e.lead_id = l.id AND e.transition = 'create')""",
            # the last event of every lead leads to the lead's state
            "leads whose last event does not end in their state": """SELECT count(*) FROM leads_lead l
                JOIN LATERAL (SELECT to_state FROM leads_leadevent e WHERE e.lead_id = l.id ORDER BY e.id DESC LIMIT 1) last
                ON true WHERE last.to_state <> l.state""",
            # ids follow time within a lead (the metrics read "later" as a larger id)
            "events out of time order within a lead": """SELECT count(*) FROM (SELECT occurred_at,
                lag(occurred_at) OVER (PARTITION BY lead_id ORDER BY id) AS before FROM leads_leadevent) x
                WHERE occurred_at < before""",
            "events in the future": "SELECT count(*) FROM leads_leadevent WHERE occurred_at > now()",
            "open cases whose lead is not in review": """SELECT count(*) FROM adjudication_case c JOIN leads_lead l
                ON l.id = c.lead_id WHERE c.status = 'open' AND l.state <> 'in_review'""",
            "leads in review without an open case": """SELECT count(*) FROM leads_lead l WHERE l.state = 'in_review'
                AND NOT EXISTS (SELECT 1 FROM adjudication_case c WHERE c.lead_id = l.id AND c.status = 'open')""",
            "MQLs already overdue": "SELECT count(*) FROM leads_lead WHERE state = 'mql' AND decision_due_at <= now()",
        }
        for label, query in checks.items():
            cursor.execute(query)
            (bad,) = cursor.fetchone()
            if bad:
                problems.append(f"{label}: {bad}")
    if counts["leads"] != n:
        problems.append(f"{counts['leads']} leads, expected {n}")
    print(
        "  counts: "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items() if k != "states")
        + "\n  states: "
        + ", ".join(f"{k} {v:,}" for k, v in counts["states"].items())
    )

    # A handful of leads through the ORM, and the main pages as each role.
    for lead in (
        Lead.objects.order_by("?")[:5] if n < 200_000 else Lead.objects.filter(pk__in=[1, n // 2, n])[:5]
    ):
        events = list(LeadEvent.objects.filter(lead=lead).order_by("id"))
        if not events or events[-1].to_state != lead.state:
            problems.append(f"lead {lead.pk}: history does not end in {lead.state}")
    pages = [
        ("bench_manager_1", "/leads/"),
        ("bench_rep_01", "/inbox/"),
        ("bench_rep_01", "/accepted/"),
        ("bench_rep_40", "/inbox/"),
        ("bench_marketer_01", "/marketing/leads/"),
        ("bench_marketer_01", "/api/v1/leads/"),
        ("bench_judge_1", "/cases/"),
        ("bench_manager_1", f"/leads/{n // 2}/"),
    ]
    client = Client(HTTP_HOST="127.0.0.1")
    for username, url in pages:
        client.force_login(User.objects.get(username=username))
        started = time.perf_counter()
        response = client.get(url)
        took = time.perf_counter() - started
        print(f"  GET {url:<28} as {username:<18} {response.status_code} ({took:.2f} s)")
        if response.status_code != 200:
            problems.append(f"GET {url} as {username}: {response.status_code}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=int(os.environ.get("BENCH_LEADS", "1000000")))
    parser.add_argument("--rebuild", action="store_true", help="drop and recreate the database first")
    parser.add_argument("--no-verify", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    name = database_name(url)
    if "bench" not in name:
        print(f"dataset: refusing database '{name}': its name must contain 'bench'", file=sys.stderr)
        return 2
    meta = dataset_meta(url)
    if meta is not None and not args.rebuild:
        print(
            f"dataset: {name} already holds a dataset ({meta['leads']:,} leads); pass --rebuild",
            file=sys.stderr,
        )
        return 2
    database_recreate(url)
    django_setup(url)
    build(url, args.leads)
    if args.no_verify:
        return 0
    print("verify:")
    problems = verify(args.leads)
    for problem in problems:
        print(f"  PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
