# ruff: noqa: E501
# The SQL here is the benchmark's own text, kept on long lines as SQL reads
# best; no value from outside is ever formatted into it (S608). Subprocesses
# are this repository's own scripts and Debian's wrk, never a shell (S603).
"""The decision sweep on a copy of the bench database, against one set-based
``UPDATE … RETURNING`` feeding the inserts of the same rows."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

# --- the decision sweep -----------------------------------------------------------------------------
import dataset
from harness import (
    BROKER_URL,
    DATABASE_URL,
    SWEEP_DATABASE,
    SWEEP_TIMEOUT,
    Report,
    Row,
    job_run,
    ratio,
    secs,
    sweep_sizes,
    terminate_backends,
)

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


def sweep_floor(url: str, *, check_foreign_keys: bool = False) -> tuple[float, int]:
    """The sweep's writes as one statement, rolled back: (seconds, leads flagged).

    Django's foreign keys are ``DEFERRABLE INITIALLY DEFERRED``: checked at
    commit, so a rolled-back floor never checks them, while the sweep's
    commits must (every case, history row and notification points at a lead,
    a user, a case). ``check_foreign_keys`` checks them in the statement
    (``SET CONSTRAINTS ALL IMMEDIATE``), for the note beside the floor."""
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
        if check_foreign_keys:
            conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
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
            checked, _ = sweep_floor(copy_url, check_foreign_keys=True)
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
                    f"({flagged:,} leads), rolled back, median of 3; the same floor with its foreign keys "
                    f"checked (as every commit checks them): {secs(checked)}, {ratio(seconds, checked)}",
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
    """Empty the bench's own Redis database: the sweep queued a delivery task
    per batch (after commit) that no worker will ever run. Never the tests'
    database 0."""
    import redis

    client = redis.Redis.from_url(BROKER_URL)
    if client.connection_pool.connection_kwargs.get("db", 0) == 0:
        return
    client.flushdb()
