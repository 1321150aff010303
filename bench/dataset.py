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
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import threading
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://leadcourt:leadcourt@127.0.0.1:5432/leadcourt_bench"
# Bump when the generated data changes shape: a stored dataset of another
# version is rebuilt rather than reused.
GENERATOR_VERSION = 2
# Every bench user's password (one hash, computed once, stored for all).
BENCH_PASSWORD = "bench-password-not-secret"  # noqa: S105 - the bench users only, on a local bench database
META_TABLE = "bench_dataset_meta"
TZ = ZoneInfo("Europe/London")
# Working-day index 0 is this Monday; index i is the (i mod 5)-th weekday of week i // 5.
EPOCH_MONDAY = date(2000, 1, 3)
HISTORY_WORKING_DAYS = 260  # about a year

N_REPS, N_MARKETERS, N_JUDGES, N_MANAGERS = 40, 10, 5, 3
# bench_rep_40 gets exactly this many leads awaiting decision, nothing else
# in the inbox: the "inbox of 20 rows" render row.
SMALL_INBOX_ROWS = 20

# (name, share of all leads). Each story is described in ``_plan_sql``.
SCENARIOS = [
    ("inquiry", 6.0),
    ("disqualified", 10.0),
    ("mql_waiting", 11.5),
    ("sal_in_followup", 3.0),
    ("sal_worked", 10.0),
    ("sql", 6.0),
    ("won", 5.0),
    ("lost", 5.0),
    ("rejected_window_open", 1.0),
    ("rejected_conceded", 6.0),
    ("rejected_expired", 9.0),
    ("rejected_recycled_accepted", 3.4),
    ("appeal_open", 3.3),
    ("appeal_upheld", 3.0),
    ("appeal_overturned", 1.0),
    ("ignored_open", 6.0),
    ("ignored_returned", 4.0),
    ("ignored_followed_up", 2.0),
    ("unworked_open", 1.8),
    ("unworked_returned", 1.0),
    ("returned_after_followup", 2.0),
]
SC = {name: code for code, (name, _) in enumerate(SCENARIOS)}

FIRST_NAMES = [
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Mia",
    "Ivy",
    "Lily",
    "Isabella",
    "Rosie",
    "Sophia",
    "Grace",
    "Freya",
    "Willow",
    "Ella",
    "Evie",
    "Poppy",
    "Noah",
    "Oliver",
    "George",
    "Arthur",
    "Muna",
    "Leo",
    "Harry",
    "Oscar",
    "Archie",
    "Henry",
    "Theodore",
    "Freddie",
    "Jack",
    "Charlie",
    "Thomas",
    "Alfie",
    "Jacob",
    "William",
    "Lucas",
    "Tommy",
    "Priya",
    "Aisha",
    "Fatima",
    "Zara",
    "Mohammed",
    "Yusuf",
    "Ibrahim",
    "Omar",
    "Chen",
    "Wei",
    "Mei",
    "Hiroshi",
    "Yuki",
    "Sven",
    "Ingrid",
    "Lars",
    "Anna",
    "Katarzyna",
    "Piotr",
    "Marta",
    "Pedro",
    "Lucia",
    "Mateo",
    "Sofia",
]
LAST_NAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Hughes",
    "Edwards",
    "Turner",
    "Khan",
    "Lewis",
    "Harris",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Morris",
    "Moore",
    "Clark",
    "Lee",
    "King",
    "Baker",
    "Harrison",
    "Morgan",
    "Allen",
    "James",
    "Scott",
    "Phillips",
    "Watson",
    "Davis",
    "Parker",
    "Price",
    "Bennett",
    "Young",
    "Griffiths",
    "Mitchell",
    "Kelly",
    "Cook",
    "Carter",
    "Richardson",
    "Bailey",
    "Collins",
    "Bell",
    "Shaw",
    "Murphy",
    "Miller",
    "Cox",
    "Richards",
    "Khan",
    "Marshall",
    "Anderson",
    "Simpson",
    "Ellis",
    "Adams",
    "Singh",
    "Begum",
    "Wilkinson",
    "Foster",
    "Chapman",
    "Powell",
    "Webb",
    "Rogers",
    "Gray",
    "Mason",
    "Okafor",
    "Nowak",
]
COMPANY_A = [
    "North",
    "Blue",
    "Silver",
    "Bright",
    "Cedar",
    "Harbour",
    "Summit",
    "Pioneer",
    "Atlas",
    "Granite",
    "Meridian",
    "Oak",
    "Beacon",
    "Quartz",
    "Vertex",
    "Nimbus",
    "Orbit",
    "Falcon",
    "Maple",
    "Crown",
    "Iron",
    "Lumen",
    "Nova",
    "Apex",
    "Clear",
    "River",
    "Stone",
    "Swift",
    "Polar",
    "Golden",
]
COMPANY_B = [
    "Analytics",
    "Logistics",
    "Learning",
    "Systems",
    "Health",
    "Retail",
    "Foods",
    "Energy",
    "Finance",
    "Media",
    "Labs",
    "Robotics",
    "Works",
    "Partners",
    "Consulting",
    "Software",
    "Education",
    "Pharma",
    "Motors",
    "Textiles",
]
COMPANY_SUFFIX = ["Ltd", "plc", "GmbH", "BV", "AB", "Inc", "LLP", "Group"]
TITLES = [
    "Head of Learning",
    "HR Director",
    "Training Manager",
    "CTO",
    "Operations Director",
    "Student",
    "Unemployed",
    "Working Professional",
    "Business Analyst",
    "Founder",
    "Head of Marketing",
    "Procurement Lead",
]
COUNTRIES = [
    ("United Kingdom", 40),
    ("India", 15),
    ("Germany", 8),
    ("United States", 8),
    ("Netherlands", 5),
    ("Sweden", 4),
    ("France", 4),
    ("United Arab Emirates", 4),
    ("Singapore", 3),
    ("Australia", 3),
    ("Ireland", 3),
    ("Poland", 3),
]
SOURCES = [
    ("Google", 30),
    ("Direct Traffic", 25),
    ("Olark Chat", 15),
    ("Organic Search", 12),
    ("Reference", 6),
    ("Welingak Website", 3),
    ("Referral Sites", 3),
    ("Facebook", 2),
    ("LinkedIn", 2),
    ("Webinar", 1),
    ("Trade show", 1),
]
SEGMENTS = [
    # code, name, weight, owner rep number (None: round robin)
    ("enterprise-uk", "Enterprise UK", 18, None),
    ("mid-market-uk", "Mid-market UK", 22, None),
    ("smb-uk", "SMB UK", 20, None),
    ("dach", "DACH", 10, None),
    ("benelux", "Benelux", 8, None),
    ("north-america", "North America", 10, None),
    ("nordics", "Nordics", 6, 38),
    ("apac", "APAC", 6, 39),
]
REJECT_REASONS = [
    ("not_icp", 16),
    ("no_budget", 14),
    ("no_authority", 8),
    ("no_need", 10),
    ("no_timeline", 9),
    ("bad_contact_data", 12),
    ("duplicate", 4),
    ("existing_customer", 3),
    ("competitor_won", 3),
    ("unreachable", 11),
    ("student_or_job_seeker", 6),
    ("other", 4),
]
LOST_REASONS = [("no_budget", 30), ("competitor_won", 30), ("no_timeline", 20), ("no_need", 15), ("other", 5)]
CHANNELS = [("call", 35), ("email", 35), ("meeting", 10), ("social", 10), ("sms", 5), ("other", 5)]
OUTCOMES = [
    ("no_answer", 30),
    ("left_message", 20),
    ("connected", 20),
    ("replied", 15),
    ("meeting_booked", 8),
    ("bounced", 4),
    ("other", 3),
]
# Four campaigns a month: (label, the source of their leads).
CAMPAIGN_KINDS = [
    ("Webinar", "Webinar"),
    ("Google Ads", "Google"),
    ("Trade show", "Trade show"),
    ("LinkedIn", "LinkedIn"),
]
CRITERIA_CODES = [
    "vertical",
    "firmographics",
    "decision_makers",
    "environment",
    "engagement",
    "pains",
    "decision_process",
    "budget",
    "competition",
    "urgency",
]


# Why a disqualified lead was disqualified (its field and its history note).
DISQUALIFY_REASON = (
    "('Not a fit: ' || lower((ARRAY["
    + ",".join("'" + t + "'" for t in TITLES)
    + f"])[1 + floor(pg_temp.r(id, 67) * {len(TITLES)})::int]))"
)


# --- small SQL builders ------------------------------------------------------------------


def q(text: str) -> str:
    """A SQL string literal (for the script's own constants only)."""
    return "'" + text.replace("'", "''") + "'"


def sql_array(values) -> str:
    return "(ARRAY[" + ",".join(q(v) for v in values) + "])"


def pick(weighted, r_expr: str) -> str:
    """A CASE choosing a value of ``weighted`` [(value, weight)] by the uniform ``r_expr``."""
    total = sum(w for _, w in weighted)
    parts, acc = [], 0.0
    for value, weight in weighted[:-1]:
        acc += weight / total
        parts.append(f"WHEN {r_expr} < {acc:.6f} THEN {q(value)}")
    return f"(CASE {' '.join(parts)} ELSE {q(weighted[-1][0])} END)"


def r(salt: int, key: str = "g") -> str:
    """Uniform [0, 1) from the row key and a salt: deterministic per row."""
    return f"pg_temp.r({key}, {salt})"


def ri(salt: int, lo: int | str, hi: int | str, key: str = "g") -> str:
    """Uniform integer in [lo, hi]."""
    return f"(({lo}) + floor(pg_temp.r({key}, {salt}) * (({hi}) - ({lo}) + 1))::int)"


def wd_index(day: date) -> int:
    weeks, weekday = divmod((day - EPOCH_MONDAY).days, 7)
    assert weekday < 5
    return weeks * 5 + weekday


def wd_date(index: int) -> date:
    weeks, weekday = divmod(index, 5)
    return EPOCH_MONDAY + timedelta(days=weeks * 7 + weekday)


@contextmanager
def step(name: str, timings: list):
    started = time.perf_counter()
    print(f"  {name:<52}", end="", flush=True)
    yield
    seconds = time.perf_counter() - started
    timings.append((name, seconds))
    print(f"{seconds:8.1f} s", flush=True)


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


# --- people, reference data -----------------------------------------------------------------


def users_create(cursor, now: datetime, rb2_at: datetime) -> dict:
    """The bench's users, segments, campaigns and rulebook v2, through plain SQL
    (one password hash for everyone). Returns the ids the plan needs."""
    from django.contrib.auth.hashers import make_password

    password = make_password(BENCH_PASSWORD)
    people = []  # (username, first, last, department, role or None, is_superuser)
    for i in range(1, N_REPS + 1):
        people.append(
            (
                f"bench_rep_{i:02d}",
                FIRST_NAMES[i % len(FIRST_NAMES)],
                LAST_NAMES[i],
                "sales",
                "sales_rep",
                False,
            )
        )
    for i in range(1, N_MARKETERS + 1):
        people.append(
            (
                f"bench_marketer_{i:02d}",
                FIRST_NAMES[(i * 7) % len(FIRST_NAMES)],
                LAST_NAMES[40 + i],
                "marketing",
                "marketer",
                False,
            )
        )
    for i in range(1, N_JUDGES + 1):
        people.append(
            (
                f"bench_judge_{i}",
                FIRST_NAMES[(i * 11) % len(FIRST_NAMES)],
                LAST_NAMES[55 + i],
                "executive",
                "judge",
                False,
            )
        )
    for i in range(1, N_MANAGERS + 1):
        people.append(
            (
                f"bench_manager_{i}",
                FIRST_NAMES[(i * 13) % len(FIRST_NAMES)],
                LAST_NAMES[65 + i],
                "executive",
                "manager",
                False,
            )
        )
    people.append(("bench_admin", "Bench", "Administrator", "other", None, True))
    joined = now - timedelta(days=420)
    ids: dict[str, int] = {}
    for username, first, last, department, _, superuser in people:
        cursor.execute(
            """
            INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email,
                is_staff, is_active, date_joined, department, is_system)
            VALUES (%s, %s, %s, %s, %s, %s, %s, true, %s, %s, false) RETURNING id
            """,
            [
                password,
                superuser,
                username,
                first,
                last,
                f"{username}@bench.invalid",
                superuser,
                joined,
                department,
            ],
        )
        ids[username] = cursor.fetchone()[0]
    cursor.execute("SELECT name, id FROM auth_group")
    groups = dict(cursor.fetchall())
    cursor.executemany(
        "INSERT INTO accounts_user_groups (user_id, group_id) VALUES (%s, %s)",
        [(ids[username], groups[role]) for username, *_, role, _ in people if role],
    )
    cursor.execute("SELECT id FROM accounts_user WHERE is_system")
    system_id = cursor.fetchone()[0]
    reps = [ids[f"bench_rep_{i:02d}"] for i in range(1, N_REPS + 1)]
    marketers = [ids[f"bench_marketer_{i:02d}"] for i in range(1, N_MARKETERS + 1)]
    judges = [ids[f"bench_judge_{i}"] for i in range(1, N_JUDGES + 1)]

    segment_ids = []
    for code, name, _, owner in SEGMENTS:
        cursor.execute(
            "INSERT INTO leads_segment (code, name, owner_rep_id) VALUES (%s, %s, %s) RETURNING id",
            [code, name, reps[owner - 1] if owner else None],
        )
        segment_ids.append(cursor.fetchone()[0])

    # Rulebook: v1 (the migration's) dates from before the history; v2, with
    # the same deadlines, was published half a year ago by the administrator.
    cursor.execute("SELECT id FROM leads_rulebookversion WHERE version = 1")
    rb1 = cursor.fetchone()[0]
    cursor.execute(
        "UPDATE leads_rulebookversion SET created_at = %s WHERE id = %s", [now - timedelta(days=420), rb1]
    )
    cursor.execute(
        """
        INSERT INTO leads_rulebookversion (version, author_id, created_at, change_note, mql_min_criteria,
            grade_a_min_criteria, decision_hours, followup_days, touches_grade_a, touches_grade_b,
            appeal_days, review_days, review_mode, sample_percent, independent_judges,
            business_hours_only, panel_size)
        SELECT 2, %s, %s, 'Mid-year review: sample 15 %% of unappealed rejections when sampling',
            mql_min_criteria, grade_a_min_criteria, decision_hours, followup_days, touches_grade_a,
            touches_grade_b, appeal_days, review_days, review_mode, 15, independent_judges,
            business_hours_only, panel_size
        FROM leads_rulebookversion WHERE id = %s RETURNING id
        """,
        [ids["bench_admin"], rb2_at, rb1],
    )
    rb2 = cursor.fetchone()[0]
    return {
        "system": system_id,
        "reps": reps,
        "marketers": marketers,
        "judges": judges,
        "managers": [ids[f"bench_manager_{i}"] for i in range(1, N_MANAGERS + 1)],
        "admin": ids["bench_admin"],
        "segments": segment_ids,
        "rb1": rb1,
        "rb2": rb2,
    }


def campaigns_create(cursor, months: list[date], marketers: list[int], today: date) -> int:
    """Four campaigns per month of history (ended, or live for the last two
    months) plus two drafts; returns the id of the first (ids are consecutive)."""
    kinds = CAMPAIGN_KINDS
    first_id = None
    for m, month in enumerate(months):
        for k, (label, source) in enumerate(kinds):
            live = month >= (today.replace(day=1) - timedelta(days=40)).replace(day=1)
            ends = (month + timedelta(days=62)).replace(day=1) - timedelta(days=1)
            cursor.execute(
                """
                INSERT INTO leads_campaign (name, source, marketer_id, status, starts_on, ends_on,
                    forecast_leads, forecast_mqls, forecast_revenue, budget, created_at)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id
                """,
                [
                    f"{month:%Y-%m} {label}",
                    source,
                    marketers[(m * 4 + k) % len(marketers)],
                    "live" if live else "ended",
                    month,
                    None if live else ends,
                    2000 + 500 * k,
                    900 + 200 * k,
                    150000 + 25000 * k,
                    20000 + 5000 * k,
                    datetime.combine(month, datetime.min.time(), tzinfo=TZ) - timedelta(days=20),
                ],
            )
            cid = cursor.fetchone()[0]
            first_id = first_id or cid
    for name in ("Next quarter: partner referrals", "Next quarter: spring webinar series"):
        cursor.execute(
            "INSERT INTO leads_campaign (name, source, marketer_id, status, created_at) "
            "VALUES (%s, 'Webinar', %s, 'draft', now())",
            [name, marketers[0]],
        )
    return first_id


# --- the plan: one row per lead with its whole story ------------------------------------------


def helpers_sql(days: list[tuple[int, datetime]]) -> list[str]:
    """Session functions: hashing randoms and working-day timestamps.

    ``pg_temp.wts(i, s)``: 09:00 (Europe/London) of working day ``i`` plus
    ``s`` seconds, from a table of the days the dataset spans (no DST change
    falls within working hours, so adding seconds to 09:00 is exact)."""
    first = days[0][0]
    # Epoch seconds as a float8[] literal: parsed once into a constant, where
    # an array of timestamptz casts (stable, not immutable) would be cast anew
    # on every call.
    literal = "'{" + ",".join(str(int(moment.timestamp())) for _, moment in days) + "}'::float8[]"
    return [
        """CREATE FUNCTION pg_temp.r(bigint, integer) RETURNS double precision AS
           $$ SELECT (hashint8extended($1, $2) & 2147483647)::double precision / 2147483648.0 $$
           LANGUAGE sql IMMUTABLE PARALLEL SAFE""",
        f"""CREATE FUNCTION pg_temp.wts(integer, integer) RETURNS timestamptz AS
           $$ SELECT to_timestamp(({literal})[$1 - {first} + 1] + $2) $$
           LANGUAGE sql IMMUTABLE PARALLEL SAFE""",
    ]


def plan_sql(n: int, t: int, ids: dict, first_campaign: int, first_month: date) -> list[str]:
    """The per-lead plan (temp tables ``p0`` then ``p``): scenario, the working
    day of each event (``*_i``), and every timestamp the inserts need."""
    H = HISTORY_WORKING_DAYS
    total = sum(w for _, w in SCENARIOS)
    cases, acc = [], 0.0
    for code, (_, weight) in enumerate(SCENARIOS[:-1]):
        acc += weight / total
        cases.append(f"WHEN {r(1)} < {acc:.6f} THEN {code}")
    scenario = f"(CASE {' '.join(cases)} ELSE {len(SCENARIOS) - 1} END)"

    def window(lo: int, hi: int) -> str:
        return ri(2, t - lo, t - hi)

    # Delivery day (qi) per scenario; anchor days for the ones tied to "now".
    gd = ri(3, 1, 5)  # working days from delivery to the first decision
    deliver = f"""CASE sc
        WHEN {SC["inquiry"]} THEN NULL WHEN {SC["disqualified"]} THEN NULL
        WHEN {SC["mql_waiting"]} THEN {window(4, 1)}
        WHEN {SC["sal_in_followup"]} THEN {window(13, 1)} - {gd}
        WHEN {SC["rejected_window_open"]} THEN {window(9, 1)} - {gd}
        WHEN {SC["appeal_open"]} THEN {window(65, 1)} - {ri(4, 1, 9)} - {gd}
        WHEN {SC["ignored_open"]} THEN {window(65, 1)} - 6
        WHEN {SC["unworked_open"]} THEN {window(65, 1)} - 14 - {gd}
        WHEN {SC["rejected_recycled_accepted"]} THEN {window(H - 10, 90)}
        WHEN {SC["appeal_overturned"]} THEN {window(H - 10, 90)}
        WHEN {SC["ignored_followed_up"]} THEN {window(H - 10, 90)}
        ELSE {window(H - 10, 70)} END"""

    ACCEPTED = [
        SC[s]
        for s in (
            "sal_in_followup",
            "sal_worked",
            "sql",
            "won",
            "lost",
            "returned_after_followup",
            "unworked_open",
            "unworked_returned",
        )
    ]
    REJECTED = [
        SC[s]
        for s in (
            "rejected_window_open",
            "rejected_conceded",
            "rejected_expired",
            "rejected_recycled_accepted",
            "appeal_open",
            "appeal_upheld",
            "appeal_overturned",
        )
    ]
    IGNORED = [SC[s] for s in ("ignored_open", "ignored_returned", "ignored_followed_up")]
    APPEALS = [SC[s] for s in ("appeal_open", "appeal_upheld", "appeal_overturned")]
    UNWORKED = [SC[s] for s in ("unworked_open", "unworked_returned")]
    DECIDED = [
        SC[s]
        for s in (
            "appeal_upheld",
            "appeal_overturned",
            "ignored_returned",
            "ignored_followed_up",
            "unworked_returned",
        )
    ]
    TO_SALES = [SC[s] for s in ("appeal_overturned", "ignored_followed_up")]
    WORKED_SQL = [SC[s] for s in ("sql", "won", "lost")]

    def inn(codes) -> str:
        return "sc IN (" + ",".join(str(c) for c in codes) + ")"

    seg_total = sum(w for *_, w, _ in SEGMENTS)
    seg_cases, acc = [], 0.0
    for index, (_, _, weight, _) in enumerate(SEGMENTS[:-1]):
        acc += weight / seg_total
        seg_cases.append(f"WHEN {r(20)} < {acc:.6f} THEN {index}")
    segment_index = f"(CASE {' '.join(seg_cases)} ELSE {len(SEGMENTS) - 1} END)"
    owners = {index: ids["reps"][owner - 1] for index, (*_, owner) in enumerate(SEGMENTS) if owner}
    owner_case = " ".join(f"WHEN {index} THEN {rep}" for index, rep in owners.items())
    # Round robin over reps 1..39 (rep 40 is the small-inbox rep).
    reps_rr = "(ARRAY[" + ",".join(str(x) for x in ids["reps"][: N_REPS - 1]) + "])"
    marketers = "(ARRAY[" + ",".join(str(x) for x in ids["marketers"]) + "])"
    judges = "(ARRAY[" + ",".join(str(x) for x in ids["judges"]) + "])"
    segments = "(ARRAY[" + ",".join(str(x) for x in ids["segments"]) + "])"

    # Criteria masks by number of criteria met (a join table ``masks``).
    by_count: dict[int, list[int]] = {k: [] for k in range(11)}
    for mask in range(1024):
        by_count[bin(mask).count("1")].append(mask)
    masks_values = ",".join(f"({k}, ARRAY[{','.join(map(str, v))}])" for k, v in by_count.items())
    qualified_count = pick([("4", 30), ("5", 25), ("6", 20), ("7", 12), ("8", 8), ("9", 3), ("10", 2)], r(30))
    raw_count = pick([("0", 10), ("1", 15), ("2", 20), ("3", 25), ("4", 15), ("5", 10), ("6", 5)], r(30))

    s = {k: f"(300 + floor({r(40 + k)} * 28200)::int)" for k in range(12)}  # seconds after 09:00

    return [
        "CREATE UNLOGGED TABLE bench_masks (k int PRIMARY KEY, m int[])",
        f"INSERT INTO bench_masks VALUES {masks_values}",
        # Pass 1: scenario and working days.
        f"""CREATE UNLOGGED TABLE bench_p0 AS
        WITH a AS (SELECT g, {scenario} AS sc FROM generate_series(1, {n}) AS g),
        b AS (SELECT a.*, {deliver} AS qi, {gd} AS gd FROM a)
        SELECT b.*,
          CASE WHEN sc = {SC["inquiry"]} THEN {ri(5, t - H, t - 1)}
               WHEN sc = {SC["disqualified"]} THEN {ri(5, t - H, t - 11)}
               WHEN sc = {SC["mql_waiting"]} THEN qi - {ri(6, 1, 40)}
               ELSE qi - {ri(6, 1, 15)} END AS ci,
          CASE WHEN {inn(ACCEPTED)} THEN qi + gd END AS ai,
          CASE WHEN {inn(REJECTED)} THEN qi + gd END AS rji
        FROM b""",
        f"""CREATE UNLOGGED TABLE bench_p1 AS SELECT p0.*,
          CASE WHEN sc = {SC["disqualified"]} THEN ci + {ri(7, 1, 10)} END AS dqi,
          CASE WHEN {inn(IGNORED)} THEN qi + 6 END AS ii,
          CASE WHEN {inn(UNWORKED)} THEN ai + 14 END AS ui,
          CASE WHEN {inn(APPEALS)} THEN rji + {ri(4, 1, 9)} END AS api,
          CASE WHEN sc IN ({SC["rejected_conceded"]}, {SC["rejected_recycled_accepted"]}) THEN rji + {ri(8, 1, 9)} END AS coni,
          CASE WHEN {inn(WORKED_SQL)} THEN ai + {ri(9, 3, 20)} END AS sqi,
          CASE WHEN sc = {SC["returned_after_followup"]} THEN ai + {ri(10, 5, 14)} END AS reti
        FROM bench_p0 p0""",
        f"""CREATE UNLOGGED TABLE bench_p2 AS SELECT p1.*,
          COALESCE(api, ii, ui) AS oi,
          CASE WHEN sc IN ({SC["won"]}, {SC["lost"]}) THEN sqi + {ri(11, 5, 40)} END AS cli,
          CASE WHEN sc = {SC["rejected_expired"]} THEN rji + 10
               WHEN sc = {SC["returned_after_followup"]} THEN reti + 10 END AS expi,
          CASE WHEN sc = {SC["rejected_recycled_accepted"]} THEN coni + {ri(12, 5, 30)} END AS reci
        FROM bench_p1 p1""",
        f"""CREATE UNLOGGED TABLE bench_p3 AS SELECT p2.*,
          CASE WHEN {inn(DECIDED)} THEN oi + {ri(13, 1, 15)} END AS vi,
          CASE WHEN sc = {SC["rejected_recycled_accepted"]} THEN reci + {ri(14, 1, 5)} END AS a2i,
          CASE WHEN sc IN ({SC["inquiry"]}, {SC["disqualified"]}) THEN {raw_count}::int ELSE {qualified_count}::int END AS crit_n,
          {segment_index} AS seg
        FROM bench_p2 p2""",
        # Pass 2: ids in creation order, people, and every timestamp.
        f"""CREATE UNLOGGED TABLE bench_p AS
        WITH o AS (
          SELECT row_number() OVER (ORDER BY ci, {s[0]}, g) AS id, p3.* FROM bench_p3 p3
        )
        SELECT o.*,
          masks.m[1 + floor({r(31)} * array_length(masks.m, 1))::int] AS mask,
          CASE WHEN crit_n >= 7 THEN 'A' ELSE 'B' END AS grade,
          CASE WHEN crit_n >= 7 THEN 6 ELSE 3 END AS req,
          {marketers}[1 + floor({r(21)} * {N_MARKETERS})::int] AS marketer,
          CASE WHEN qi IS NULL THEN NULL
               ELSE COALESCE(CASE seg {owner_case} END, {reps_rr}[1 + floor({r(22)} * {N_REPS - 1})::int]) END AS rep,
          {judges}[1 + floor({r(23)} * {N_JUDGES})::int] AS judge,
          {segments}[seg + 1] AS segment_id,
          CASE WHEN {r(24)} < 0.6 THEN
            {first_campaign} + 4 * ((extract(year FROM pg_temp.wts(ci, 0) AT TIME ZONE 'Europe/London')::int * 12
               + extract(month FROM pg_temp.wts(ci, 0) AT TIME ZONE 'Europe/London')::int)
               - {first_month.year * 12 + first_month.month}) + floor({r(25)} * 4)::int END AS campaign_id,
          pg_temp.wts(ci, {s[0]}) AS t_create,
          pg_temp.wts(qi, {s[1]}) AS t_qualify,
          pg_temp.wts(dqi, {s[2]}) AS t_dq,
          pg_temp.wts(ai, {s[3]}) AS t_accept,
          pg_temp.wts(rji, {s[3]}) AS t_reject,
          pg_temp.wts(coni, {s[4]}) AS t_concede,
          -- system jobs act just after the deadline they enforce
          CASE WHEN sc = {SC["rejected_expired"]} THEN pg_temp.wts(expi, {s[3]}) + interval '5 min'
               ELSE pg_temp.wts(expi, {s[7]}) + interval '5 min' END AS t_expire,
          pg_temp.wts(api, {s[5]}) AS t_appeal,
          pg_temp.wts(ii, {s[1]}) + interval '2 min' AS t_flag_ignored,
          pg_temp.wts(ui, {s[3]}) + interval '3 min' AS t_flag_unworked,
          pg_temp.wts(vi, {s[6]}) AS t_verdict,
          pg_temp.wts(reti, {s[7]}) AS t_return_after,
          pg_temp.wts(reci, {s[8]}) AS t_recycle,
          pg_temp.wts(a2i, {s[9]}) AS t_accept2,
          pg_temp.wts(sqi, {s[10]}) AS t_sql,
          pg_temp.wts(cli, {s[11]}) AS t_close,
          -- deadlines (working days at the same time of day)
          pg_temp.wts(qi + 6, {s[1]}) AS decision_due,
          pg_temp.wts(reci + 6, {s[8]}) AS decision_due2,
          pg_temp.wts(rji + 10, {s[3]}) AS appeal_due,
          CASE WHEN oi IS NOT NULL THEN
            pg_temp.wts(oi + 5, CASE WHEN api IS NOT NULL THEN {s[5]} WHEN ii IS NOT NULL THEN {s[1]} ELSE {s[3]} END)
          END AS case_due,
          CASE WHEN oi IS NOT NULL AND oi + 5 <= {t - 1} AND (vi IS NULL OR vi > oi + 5) THEN
            pg_temp.wts(oi + 5, CASE WHEN api IS NOT NULL THEN {s[5]} WHEN ii IS NOT NULL THEN {s[1]} ELSE {s[3]} END)
              + interval '30 min'
          END AS t_escalate,
          -- the current follow-up round: [start day, deadline day)
          CASE WHEN {inn(ACCEPTED)} THEN ai WHEN {inn(TO_SALES)} THEN vi
               WHEN sc = {SC["rejected_recycled_accepted"]} THEN a2i END AS round_i,
          CASE WHEN {inn(DECIDED)} THEN {pick([("none", 40), ("marketing", 35), ("criteria", 25)], r(26))} END AS finding_back,
          {pick(REJECT_REASONS, r(27))} AS reject_reason,
          {pick(LOST_REASONS, r(28))} AS lost_reason,
          round((1000 + {r(29)} * 49000)::numeric, 2) AS amount
        FROM o JOIN bench_masks masks ON masks.k = o.crit_n""",
        "DROP TABLE bench_p0, bench_p1, bench_p2, bench_p3",
        "CREATE UNIQUE INDEX ON bench_p (id)",
        # The small-inbox rep: exactly SMALL_INBOX_ROWS of the waiting MQLs, nothing else.
        f"""UPDATE bench_p SET rep = {ids["reps"][N_REPS - 1]} WHERE id IN (
              SELECT id FROM bench_p WHERE sc = {SC["mql_waiting"]} AND seg NOT IN ({",".join(str(i) for i in owners) or "-1"})
              ORDER BY id LIMIT {SMALL_INBOX_ROWS})""",
        "ANALYZE bench_p",
    ]


def touches_plan_sql(t: int) -> list[str]:
    """One row per touch (temp table ``pt``): how many each story has, spread
    over the working days strictly inside the round's window."""
    enough = f"req + {ri(50, 0, 3, 'id')}"
    too_few = f"{ri(51, 0, 10, 'id')} % req"
    S = SC
    count = f"""CASE
        WHEN sc = {S["sal_in_followup"]} THEN CASE WHEN {t} - round_i >= 2 THEN {ri(52, 0, 7, "id")} % (req + 2) ELSE 0 END
        WHEN sc IN ({S["unworked_open"]}, {S["unworked_returned"]}) THEN {too_few}
        WHEN round_i IS NOT NULL THEN {enough}
        ELSE 0 END"""
    window_end = f"""CASE
        WHEN sc = {S["sal_in_followup"]} THEN {t}
        WHEN sc IN ({S["sql"]}, {S["won"]}, {S["lost"]}) THEN sqi
        WHEN sc = {S["returned_after_followup"]} THEN reti
        ELSE round_i + 14 END"""
    channel = pick(CHANNELS, "pg_temp.r(id * 16 + k, 53)")
    outcome = pick(OUTCOMES, "pg_temp.r(id * 16 + k, 54)")
    return [
        f"""CREATE UNLOGGED TABLE bench_pt AS
        SELECT id AS lead_id, rep, k,
          pg_temp.wts(round_i + 1 + floor(pg_temp.r(id * 16 + k, 55) * (w_end - round_i - 1))::int,
                      300 + floor(pg_temp.r(id * 16 + k, 56) * 28200)::int) AS occurred_at,
          {channel} AS channel, {outcome} AS outcome
        FROM (SELECT p.*, {count} AS n, {window_end} AS w_end FROM bench_p p WHERE round_i IS NOT NULL) x,
             generate_series(1, x.n) AS k
        WHERE x.w_end - x.round_i >= 2""",
        """CREATE UNLOGGED TABLE bench_pt_agg AS
        SELECT lead_id, sum(n)::int AS n, jsonb_object_agg(channel, n) AS by_channel, count(*)::int AS channels
        FROM (SELECT lead_id, channel, count(*) AS n FROM bench_pt GROUP BY 1, 2) c GROUP BY lead_id""",
        "CREATE UNIQUE INDEX ON bench_pt_agg (lead_id)",
    ]


def leads_insert_sql(t: int, ids: dict) -> str:
    S = SC
    first = sql_array(FIRST_NAMES)
    last = sql_array(LAST_NAMES)
    comp_a, comp_b, suffix = sql_array(COMPANY_A), sql_array(COMPANY_B), sql_array(COMPANY_SUFFIX)
    titles = sql_array(TITLES)

    def name_parts(key: str) -> tuple[str, str]:
        fn = f"{first}[1 + floor(pg_temp.r({key}, 60) * {len(FIRST_NAMES)})::int]"
        ln = f"{last}[1 + floor(pg_temp.r({key}, 61) * {len(LAST_NAMES)})::int]"
        return fn, ln

    fn, ln = name_parts("id")
    base_fn, base_ln = name_parts("id - 1001")
    company_idx = "floor(pg_temp.r(id, 62) * 3000)::int"
    company = (
        f"{comp_a}[1 + {company_idx} % {len(COMPANY_A)}] || ' ' || {comp_b}[1 + ({company_idx} / {len(COMPANY_A)}) % {len(COMPANY_B)}]"
        f" || ' ' || {suffix}[1 + ({company_idx} / 600) % {len(COMPANY_SUFFIX)}]"
    )
    domain = f"lower(replace({comp_a}[1 + {company_idx} % {len(COMPANY_A)}] || {comp_b}[1 + ({company_idx} / {len(COMPANY_A)}) % {len(COMPANY_B)}], ' ', '')) || '.example'"
    # Every 50th lead (from 1001 on) reuses an earlier lead's email in
    # another case: a probable duplicate of it (SPEC §2).
    # ({LO}: the first id of the connection's range; the original must be in
    # the same range, so that no range waits for another's commit.)
    is_dup = "(id % 50 = 7 AND id - 1001 >= {LO})"
    email = f"""CASE WHEN {is_dup}
        THEN initcap(lower({base_fn})) || '.' || lower({base_ln}) || (id - 1001) || '@' || {domain.replace("id, 62", "id - 1001, 62")}
        ELSE lower({fn}) || '.' || lower({ln}) || id || '@' || {domain} END"""
    sources = pick(SOURCES, r(63, "id"))
    campaign_source = (
        f"(CASE (campaign_id - {ids['first_campaign']}) % 4 "
        + " ".join(f"WHEN {k} THEN {q(source)}" for k, (_, source) in enumerate(CAMPAIGN_KINDS))
        + " END)"
    )
    countries = pick(COUNTRIES, r(64, "id"))

    state = f"""CASE sc
        WHEN {S["inquiry"]} THEN 'inquiry' WHEN {S["disqualified"]} THEN 'disqualified'
        WHEN {S["mql_waiting"]} THEN 'mql'
        WHEN {S["sql"]} THEN 'sql' WHEN {S["won"]} THEN 'won' WHEN {S["lost"]} THEN 'lost'
        WHEN {S["rejected_window_open"]} THEN 'rejected'
        WHEN {S["appeal_open"]} THEN 'in_review' WHEN {S["ignored_open"]} THEN 'in_review'
        WHEN {S["unworked_open"]} THEN 'in_review'
        WHEN {S["sal_in_followup"]} THEN 'sal' WHEN {S["sal_worked"]} THEN 'sal'
        WHEN {S["rejected_recycled_accepted"]} THEN 'sal' WHEN {S["appeal_overturned"]} THEN 'sal'
        WHEN {S["ignored_followed_up"]} THEN 'sal'
        ELSE 'returned' END"""
    last_delivery = "COALESCE(t_recycle, t_qualify)"
    # A rejection stays on the lead until it is delivered again or a verdict
    # sends it back to sales (Lead._deliver, verdict_follow_up).
    has_rejection = f"sc IN ({S['rejected_window_open']}, {S['rejected_conceded']}, {S['rejected_expired']}, {S['appeal_open']}, {S['appeal_upheld']}, {S['returned_after_followup']})"
    rejected_at = "COALESCE(t_return_after, t_reject)"
    note = "CASE WHEN reject_reason = 'other' THEN 'Bench: see the call notes' ELSE '' END"
    return_cause = f"""CASE
        WHEN sc = {S["appeal_upheld"]} THEN 'Rejection upheld: ' || (SELECT label FROM leads_reasoncode WHERE code = reject_reason)
        WHEN sc IN ({S["ignored_returned"]}, {S["unworked_returned"]}) THEN 'Contact data incomplete; marketing to re-qualify'
        ELSE '' END"""
    followup_due = f"""CASE WHEN sc IN ({S["sal_in_followup"]}, {S["sal_worked"]}, {S["rejected_recycled_accepted"]}, {S["appeal_overturned"]}, {S["ignored_followed_up"]})
        THEN pg_temp.wts(round_i + 14, 0) + (COALESCE(t_accept2, t_verdict, t_accept) - pg_temp.wts(round_i, 0)) END"""
    last_event = "GREATEST(t_create, t_qualify, t_dq, t_accept, t_reject, t_concede, t_expire, t_appeal, t_flag_ignored, t_flag_unworked, t_verdict, t_return_after, t_recycle, t_accept2, t_sql, t_close, t_escalate)"
    return f"""
    INSERT INTO leads_lead (id, public_id, external_id, first_name, last_name, email, phone, company, title,
        country, source, campaign_id, segment_id, marketer_id, assigned_rep_id, duplicate_of_id, criteria_mask,
        state, delivery_count, created_at, updated_at, assigned_at, delivered_at, accepted_at,
        followup_started_at, rejected_at, in_review_at, returned_at, sql_at, closed_at, disqualified_at,
        decision_due_at, followup_due_at, appeal_due_at, rejection_reason_id, rejection_note,
        disqualify_reason, return_cause, won_amount, lost_reason_id)
    SELECT id, gen_random_uuid(),
        CASE WHEN pg_temp.r(id, 65) < 0.6 THEN 'CRM-' || lpad(id::text, 8, '0') END,
        {fn}, {ln}, {email},
        '+44 7' || lpad((floor(pg_temp.r(id, 66) * 1e9))::bigint::text, 9, '0'),
        {company}, {titles}[1 + floor(pg_temp.r(id, 67) * {len(TITLES)})::int], {countries},
        CASE WHEN campaign_id IS NULL THEN {sources} ELSE {campaign_source} END,
        campaign_id, segment_id, marketer, rep,
        CASE WHEN {is_dup} THEN id - 1001 END,
        mask,
        {state},
        CASE WHEN qi IS NULL THEN 0 WHEN t_recycle IS NOT NULL THEN 2 ELSE 1 END,
        t_create, {last_event},
        {last_delivery}, {last_delivery},
        COALESCE(t_accept, CASE WHEN sc IN ({S["appeal_overturned"]}, {S["ignored_followed_up"]}) THEN t_verdict END, t_accept2),
        COALESCE(t_accept2, CASE WHEN sc IN ({S["appeal_overturned"]}, {S["ignored_followed_up"]}) THEN t_verdict END, t_accept),
        {rejected_at},
        COALESCE(t_appeal, t_flag_ignored, t_flag_unworked),
        COALESCE(t_verdict_return, t_concede, t_expire),
        t_sql, t_close, t_dq,
        CASE WHEN sc = {S["mql_waiting"]} THEN decision_due END,
        {followup_due},
        CASE WHEN sc IN ({S["rejected_window_open"]}, {S["appeal_open"]}) THEN appeal_due END,
        CASE WHEN {has_rejection} THEN reject_reason END,
        CASE WHEN {has_rejection} THEN {note} ELSE '' END,
        CASE WHEN sc = {S["disqualified"]} THEN {DISQUALIFY_REASON} ELSE '' END,
        {return_cause},
        CASE WHEN sc = {S["won"]} THEN amount END,
        CASE WHEN sc = {S["lost"]} THEN lost_reason END
    FROM (SELECT p.*, CASE WHEN sc IN ({S["appeal_upheld"]}, {S["ignored_returned"]}, {S["unworked_returned"]}) THEN t_verdict END AS t_verdict_return FROM {{P}} p) p
    ORDER BY id"""


def cases_sql(ids: dict) -> list[str]:
    """Cases (temp table ``pc`` with their ids, then the real table),
    statements and votes."""
    S = SC
    crit = sql_array(CRITERIA_CODES)
    kind = """CASE WHEN api IS NOT NULL THEN 'appeal' WHEN ii IS NOT NULL THEN 'ignored' ELSE 'not_followed_up' END"""
    decision = f"""CASE sc WHEN {S["appeal_upheld"]} THEN 'uphold' WHEN {S["appeal_overturned"]} THEN 'overturn'
        WHEN {S["ignored_followed_up"]} THEN 'follow_up' WHEN {S["ignored_returned"]} THEN 'return'
        WHEN {S["unworked_returned"]} THEN 'return' ELSE '' END"""
    iso = "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"
    return [
        f"""CREATE UNLOGGED TABLE bench_pc AS
        SELECT row_number() OVER (ORDER BY t_open, id) AS case_id, x.* FROM (
          SELECT p.*, {kind} AS kind,
            COALESCE(t_appeal, t_flag_ignored, t_flag_unworked) AS t_open,
            {decision} AS decision,
            CASE WHEN sc IN ({S["appeal_overturned"]}, {S["ignored_followed_up"]}) THEN 'sales'
                 WHEN vi IS NOT NULL THEN finding_back ELSE '' END AS finding
          FROM bench_p p WHERE oi IS NOT NULL) x""",
        "CREATE UNIQUE INDEX ON bench_pc (id)",
        f"""INSERT INTO adjudication_case (id, kind, lead_id, rep_id, marketer_id, opened_by_id, opened_at, due_at,
            snapshot, reason_code, status, escalated_at, decided_at, decision, finding, rationale, cause, decided_by_id)
        SELECT case_id, kind, pc.id, rep, marketer,
          CASE WHEN kind = 'appeal' THEN marketer ELSE {ids["system"]} END,
          t_open, case_due,
          jsonb_build_object(
            'state_before', CASE kind WHEN 'appeal' THEN 'rejected' WHEN 'ignored' THEN 'mql' ELSE 'sal' END,
            'reason', CASE WHEN kind = 'appeal' THEN reject_reason ELSE '' END,
            'reason_label', CASE WHEN kind = 'appeal' THEN (SELECT label FROM leads_reasoncode WHERE code = reject_reason) ELSE '' END,
            'note', CASE WHEN kind = 'appeal' AND reject_reason = 'other' THEN 'Bench: see the call notes' ELSE '' END,
            'rejected_at', CASE WHEN kind = 'appeal' THEN {iso.format("t_reject")} END,
            'delivered_at', {iso.format("t_qualify")},
            'criteria', ARRAY(SELECT {crit}[b + 1] FROM generate_series(0, 9) b WHERE mask & (1 << b) <> 0),
            'grade', grade,
            'touches', jsonb_build_object(
                'count', COALESCE(a.n, 0), 'by_channel', COALESCE(a.by_channel, '{{}}'::jsonb),
                'channels', COALESCE(a.channels, 0), 'followup_round', COALESCE(a.n, 0), 'required', req)),
          CASE WHEN kind = 'appeal' THEN reject_reason ELSE '' END,
          CASE WHEN vi IS NULL THEN 'open' ELSE 'decided' END,
          t_escalate, t_verdict, decision, finding,
          CASE WHEN vi IS NULL THEN '' ELSE 'Bench verdict: the record and the touches decide it.' END,
          CASE WHEN decision = 'uphold' THEN 'Rejection upheld: ' || (SELECT label FROM leads_reasoncode WHERE code = reject_reason)
               WHEN decision = 'return' THEN 'Contact data incomplete; marketing to re-qualify' ELSE '' END,
          CASE WHEN vi IS NULL THEN NULL ELSE judge END
        FROM bench_pc pc LEFT JOIN bench_pt_agg a ON a.lead_id = pc.id AND pc.kind = 'not_followed_up'
        ORDER BY pc.id""",
        # The marketer's argument opens every appeal; half get the rep's answer a day later.
        """INSERT INTO adjudication_statement (case_id, author_id, text, created_at)
        SELECT case_id, author, text, at FROM (
          SELECT case_id, marketer AS author, 'The lead met the agreed criteria; sales rejected it without working it.' AS text, t_appeal AS at
          FROM bench_pc pc WHERE kind = 'appeal'
          UNION ALL
          SELECT case_id, rep, 'The contact never answered and the company is outside our market.',
            pg_temp.wts(api + 1, 400)
          FROM bench_pc pc WHERE kind = 'appeal' AND pg_temp.r(id, 70) < 0.5 AND api + 1 < COALESCE(vi, {t})
        ) s ORDER BY at""",
        """INSERT INTO adjudication_vote (case_id, judge_id, decision, finding, rationale, cause, cast_at)
        SELECT case_id, judge, decision, finding, 'Bench verdict: the record and the touches decide it.',
          CASE WHEN decision = 'return' THEN 'Contact data incomplete; marketing to re-qualify' ELSE '' END, t_verdict
        FROM bench_pc pc WHERE vi IS NOT NULL ORDER BY t_verdict""",
    ]


def events_sql(ids: dict, rb2_at: datetime) -> str:
    """Every history row; ids increase with time within each lead (and month by month overall)."""
    S = SC
    sysid = ids["system"]
    iso_due = "to_char(case_due AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"
    note = "CASE WHEN reject_reason = 'other' THEN 'Bench: see the call notes' ELSE '' END"
    lost_note = "CASE WHEN lost_reason = 'other' THEN 'Bench: see the call notes' ELSE '' END"
    delivered_states = f"""CASE WHEN sc IN ({S["rejected_window_open"]}, {S["rejected_conceded"]}, {S["rejected_expired"]}, {S["rejected_recycled_accepted"]}, {S["appeal_open"]}, {S["appeal_upheld"]}, {S["appeal_overturned"]}) THEN 'rejected'
        WHEN sc IN ({S["ignored_open"]}, {S["ignored_returned"]}, {S["ignored_followed_up"]}) THEN 'in_review' ELSE 'sal' END"""
    verdict_to = f"CASE WHEN sc IN ({S['appeal_overturned']}, {S['ignored_followed_up']}) THEN 'sal' ELSE 'returned' END"
    branches = [
        # create: marketer, the duplicate's original named in data
        """SELECT p.id, 'create', 'inquiry', 'inquiry', marketer, t_create, NULL, '',
              CASE WHEN p.id % 50 = 7 THEN coalesce(
                (SELECT jsonb_build_object('duplicate_of', o.public_id::text)
                 FROM leads_lead d JOIN leads_lead o ON o.id = d.duplicate_of_id WHERE d.id = p.id),
                '{}'::jsonb) ELSE '{}'::jsonb END
            FROM p""",
        # The note is the lead's disqualify_reason, as lead_disqualify records it.
        f"""SELECT id, 'disqualify', 'inquiry', 'disqualified', marketer, t_dq, NULL,
              {DISQUALIFY_REASON}, '{{}}'::jsonb FROM p WHERE t_dq IS NOT NULL""",
        """SELECT id, 'qualify', 'inquiry', 'mql', marketer, t_qualify, NULL, '',
              jsonb_build_object('rep', rep, 'criteria_met', crit_n) FROM p WHERE t_qualify IS NOT NULL""",
        "SELECT id, 'accept', 'mql', 'sal', rep, t_accept, NULL, '', '{}'::jsonb FROM p WHERE t_accept IS NOT NULL",
        f"SELECT id, 'reject', 'mql', 'rejected', rep, t_reject, reject_reason, {note}, '{{}}'::jsonb FROM p WHERE t_reject IS NOT NULL",
        "SELECT id, 'concede', 'rejected', 'returned', marketer, t_concede, NULL, '', '{}'::jsonb FROM p WHERE t_concede IS NOT NULL",
        f"SELECT id, 'expire_appeal', 'rejected', 'returned', {sysid}, t_expire, NULL, '', '{{}}'::jsonb FROM p WHERE t_expire IS NOT NULL",
        """SELECT id, 'appeal', 'rejected', 'in_review', marketer, t_appeal, NULL, '',
              jsonb_build_object('case', case_id, 'kind', 'appeal') FROM pc WHERE kind = 'appeal'""",
        f"""SELECT id, 'flag_ignored', 'mql', 'in_review', {sysid}, t_flag_ignored, NULL, '',
              jsonb_build_object('case', case_id, 'kind', 'ignored') FROM pc WHERE kind = 'ignored'""",
        f"""SELECT id, 'flag_unworked', 'sal', 'in_review', {sysid}, t_flag_unworked, NULL, '',
              jsonb_build_object('case', case_id, 'kind', 'not_followed_up') FROM pc WHERE kind = 'not_followed_up'""",
        f"""SELECT id, 'case_escalated', 'in_review', 'in_review', {sysid}, t_escalate, NULL, '',
              jsonb_build_object('case', case_id, 'due_at', {iso_due}) FROM pc WHERE t_escalate IS NOT NULL""",
        f"""SELECT id, 'verdict_' || decision, 'in_review', {verdict_to}, judge, t_verdict, NULL,
              'Bench verdict: the record and the touches decide it.',
              jsonb_build_object('case', case_id, 'decision', decision, 'finding', finding, 'votes', 1, 'dissent', 0)
            FROM pc WHERE t_verdict IS NOT NULL""",
        f"""SELECT p.id, 'return_after_followup', 'sal', 'rejected', rep, t_return_after, reject_reason, {note},
              jsonb_build_object('touches', COALESCE(a.n, 0), 'grade', grade)
            FROM {{P}} p LEFT JOIN bench_pt_agg a ON a.lead_id = p.id WHERE t_return_after IS NOT NULL""",
        """SELECT id, 'recycle', 'returned', 'mql', marketer, t_recycle, NULL, '',
              jsonb_build_object('rep', rep, 'criteria_met', crit_n) FROM p WHERE t_recycle IS NOT NULL""",
        "SELECT id, 'accept', 'mql', 'sal', rep, t_accept2, NULL, '', '{}'::jsonb FROM p WHERE t_accept2 IS NOT NULL",
        "SELECT id, 'qualify_opportunity', 'sal', 'sql', rep, t_sql, NULL, '', '{}'::jsonb FROM p WHERE t_sql IS NOT NULL",
        f"""SELECT id, CASE WHEN sc = {S["won"]} THEN 'close_won' ELSE 'close_lost' END, 'sql',
              CASE WHEN sc = {S["won"]} THEN 'won' ELSE 'lost' END, rep, t_close,
              CASE WHEN sc = {S["lost"]} THEN lost_reason END,
              CASE WHEN sc = {S["lost"]} THEN {lost_note} ELSE '' END,
              CASE WHEN sc = {S["won"]} THEN jsonb_build_object('amount', amount::text) ELSE '{{}}'::jsonb END
            FROM p WHERE t_close IS NOT NULL""",
    ]
    del delivered_states
    union = "\nUNION ALL\n".join(branches)
    # Each worker inserts the events of its own range of leads ({P}, {PC}).
    union = re.sub(r"FROM p\b(?!\.)", "FROM {P} p", union)
    union = re.sub(r"FROM pc\b", "FROM {PC} pc", union)
    return f"""
    INSERT INTO leads_leadevent (lead_id, transition, from_state, to_state, actor_id, occurred_at, reason_id,
        note, data, rulebook_version_id)
    SELECT lead_id, transition, from_state, to_state, actor_id, occurred_at, reason_id, note, data,
        CASE WHEN occurred_at >= '{rb2_at.isoformat()}' THEN {ids["rb2"]} ELSE {ids["rb1"]} END
    FROM ({union}) AS e (lead_id, transition, from_state, to_state, actor_id, occurred_at, reason_id, note, data)
    -- Month by month (the heap stays in time order at that grain), and by
    -- lead within a month: the foreign-key checks at commit then visit the
    -- leads in order instead of at random (several times faster at 10^6).
    ORDER BY date_trunc('month', occurred_at), lead_id, occurred_at"""


TOUCHES_INSERT = """
INSERT INTO leads_touch (lead_id, actor_id, channel, outcome, note, occurred_at, created_at)
SELECT lead_id, rep, channel, outcome, '', occurred_at, occurred_at + interval '1 min'
FROM {PT} pt ORDER BY date_trunc('month', occurred_at), lead_id, occurred_at"""

SEQUENCES = [
    ("leads_lead", "id"),
    ("leads_leadevent", "id"),
    ("leads_touch", "id"),
    ("adjudication_case", "id"),
    ("adjudication_statement", "id"),
    ("adjudication_vote", "id"),
]


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


SESSION_SETTINGS = (
    "SET synchronous_commit = off",
    "SET work_mem = '256MB'",
    "SET maintenance_work_mem = '1GB'",
    "SET jit = off",
)


def parallel_insert(url: str, statement: str, n: int, helpers: list[str], workers: int) -> None:
    """Run ``statement`` (with ``{P}``, ``{PC}``, ``{PT}`` standing for the plan
    tables, ``{LO}`` for the first lead id of the range) on ``workers``
    connections at once, each for its own range of lead ids.

    No range refers to another's rows, so the connections also commit at
    once: the deferred foreign-key checks, half the work, run in parallel
    too. They are still checked, row by row, as always."""
    import psycopg

    bounds = [(n * k // workers + 1, n * (k + 1) // workers) for k in range(workers)]
    errors: list[BaseException] = []

    def work(k: int) -> None:
        lo, hi = bounds[k]
        sql_text = (
            statement.replace("{P}", f"(SELECT * FROM bench_p WHERE id BETWEEN {lo} AND {hi})")
            .replace("{PC}", f"(SELECT * FROM bench_pc WHERE id BETWEEN {lo} AND {hi})")
            .replace("{PT}", f"(SELECT * FROM bench_pt WHERE lead_id BETWEEN {lo} AND {hi})")
            .replace("{LO}", str(lo))
        )
        try:
            with psycopg.connect(url) as conn:
                for setting in SESSION_SETTINGS:
                    conn.execute(setting)
                for helper in helpers:
                    conn.execute(helper)
                conn.commit()
                conn.execute(sql_text)
                conn.commit()
        except BaseException as exc:  # reported by the caller
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


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
        with step("users, segments, campaigns, rulebook v2", timings):
            ids = users_create(cursor, now, rb2_at)
            first_campaign = campaigns_create(cursor, months, ids["marketers"], today)
            ids["first_campaign"] = first_campaign
        helpers = helpers_sql(days)
        for statement in helpers:
            cursor.execute(statement)
        workers = max(1, int(os.environ.get("BENCH_BUILD_WORKERS", "2")))
        with step("plan: one row per lead (temp tables)", timings):
            for statement in plan_sql(n, t, ids, first_campaign, first_month):
                run(cursor, statement)
        with step("plan: touches (temp table)", timings):
            for statement in touches_plan_sql(t):
                cursor.execute(statement)
        with step(f"insert leads ({workers} connections)", timings):
            parallel_insert(url, leads_insert_sql(t, ids), n, helpers, workers)
        with step("insert cases, statements, votes", timings):
            for statement in cases_sql(ids):
                run(cursor, statement.replace("{t}", str(t)))
        with step(f"insert touches ({workers} connections)", timings):
            parallel_insert(url, TOUCHES_INSERT, n, helpers, workers)
        with step(f"insert history: lead events ({workers} connections)", timings):
            parallel_insert(url, events_sql(ids, rb2_at), n, helpers, workers)
        with step("sequences, VACUUM (ANALYZE)", timings):
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
            # would pay for writing them.
            cursor.execute("VACUUM (ANALYZE)")
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
