# ruff: noqa: E501
# The SQL here is the benchmark's own text, kept on long lines as SQL reads
# best; no value from outside is ever formatted into it (S608). Subprocesses
# are this repository's own scripts and Debian's wrk, never a shell (S603).
"""Metric snapshots (recent months, then all history) against the raw
``GROUP BY`` of the same numbers, checked equal month by month."""

from __future__ import annotations

import statistics
import time
from datetime import date, datetime, timedelta

from harness import DATABASE_URL, JOB_ROUNDS, JOB_TIMEOUT, TZ, Report, Row, job_run, ratio, secs

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
    """The instants a recompute of ``first``..``last`` covers (as metrics.snapshots.spans.spans_bounds)."""
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
        # The same session settings as the recompute's own transaction
        # (metrics.snapshots.recompute): the comparison is of the queries.
        conn.execute("SET work_mem = '256MB'")
        conn.execute("SET jit = off")
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
