"""``DeliverySnapshot`` rows: every delivery to sales and what became of it.

Deliveries are read from the append-only lead history, so each delivery —
a ``qualify``, or a ``recycle`` that hands a returned lead to sales again —
is its own row, with what became of *that* delivery (the events after it,
up to the lead's next delivery):

* its first decision: the first ``accept``, ``reject`` or ``flag_ignored``
  after it (a delivered lead leaves ``mql`` only by one of them, so there
  is at most one per delivery);
* whether a ``verdict_overturn`` / ``verdict_follow_up`` before the next
  delivery turned a rejection or an ignore into an acceptance (final rate);
* its follow-up: the first of ``flag_unworked`` (missed), or
  ``qualify_opportunity`` / ``return_after_followup`` (met: both need the
  lead worked; a return needs the required touches), or a lead still in
  ``sal`` past its deadline and not flagged (met: the sweep flags misses);
* hours from the delivery to its first touch (before the next delivery).

"After" and "next" follow the history's ids. A delivery counts in the week
and month (organisation time) in which it happened, whenever its decision
came. It is attributed to the rep who had the lead when its first decision
was made (the delivery's rep, or the last reassignment before the decision),
and to the lead's campaign, source and segment.

One statement, set-based: the delivered leads' history is read once and
each event is tagged with the delivery it follows (a running maximum over
the lead's events); one ``GROUP BY`` of those events gives every
delivery's outcome; the touches are joined once. No per-delivery subquery.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.db.models import Case as SqlCase  # ``Case`` is the court's model elsewhere in metrics
from django.db.models import F, IntegerField, Q, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce

from leads.models import LeadEvent, LeadState, Touch
from metrics.models import NONE_KEY
from metrics.snapshots.grouping import (
    LEAD_KEY_COLUMNS,
    Median,
    grouped_sql,
    hours_between_sql,
    key_text,
    sql_list,
)
from metrics.snapshots.spans import Span, period_truncs, spans_bounds

DELIVERY_TRANSITIONS = ("qualify", "recycle")
ACCEPT, REJECT, IGNORE = "accept", "reject", "flag_ignored"
DECISION_TRANSITIONS = (ACCEPT, REJECT, IGNORE)
TO_SALES_VERDICTS = ("verdict_overturn", "verdict_follow_up")
FOLLOWUP_MISSED = "flag_unworked"
FOLLOWUP_MET = ("qualify_opportunity", "return_after_followup")
REASSIGN = "reassign"


def _rep_of_event():
    """The rep an event gave the lead to: ``to_rep`` of a reassignment, ``rep`` of a delivery."""
    return key_text(Coalesce(KeyTextTransform("to_rep", "data"), KeyTextTransform("rep", "data")))


def _deliveries_in(begins: datetime, ends: datetime):
    """The delivery events in [begins, ends)."""
    return LeadEvent.objects.filter(
        transition__in=DELIVERY_TRANSITIONS, occurred_at__gte=begins, occurred_at__lt=ends
    ).order_by()


def _deliveries(*, begins: datetime, ends: datetime, now: datetime):
    """The deliveries in [begins, ends), with their periods, the lead's keys
    and whether the lead sits in ``sal`` past its follow-up deadline."""
    return (
        _deliveries_in(begins, ends)
        .annotate(
            **period_truncs("occurred_at"),
            delivery_rep_key=_rep_of_event(),
            campaign_key=key_text("lead__campaign_id"),
            source_key=Coalesce(F("lead__source"), Value(NONE_KEY)),
            segment_key=key_text("lead__segment_id"),
            lead_sal_past_due=SqlCase(
                When(Q(lead__state=LeadState.SAL, lead__followup_due_at__lt=now), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .values(
            "id",
            "lead_id",
            "occurred_at",
            "period_week",
            "period_month",
            "delivery_rep_key",
            "campaign_key",
            "source_key",
            "segment_key",
            "lead_sal_past_due",
        )
    )


def _reassignments():
    """Every reassignment and the rep it gave the lead to (a rare event)."""
    return (
        LeadEvent.objects.filter(transition=REASSIGN)
        .annotate(rep_key=_rep_of_event())
        .values("id", "lead_id", "rep_key")
        .order_by()
    )


# One row per delivery, for PostgreSQL and SQLite alike (CTEs, window functions):
#   history      each event of a delivered lead, tagged with the delivery it
#                follows (the running maximum of delivery ids, by id);
#   outcomes     one GROUP BY of those events: per delivery of those leads (in
#                range or not: a delivery bounds the one before it), the first
#                id of each kind of event that matters. The first decision is
#                the smallest decision id; its kind, the kind whose own
#                smallest id it is. Likewise the first follow-up outcome;
#   sequenced    each delivery's next delivery (id and time);
#   facts        the deliveries in range with the above;
#   reassigned   the last reassignment before the decision (or the next
#                delivery), whose rep then gets the delivery;
#   first_touches  the first touch from the delivery to the next one.
DELIVERY_FACTS_SQL = """
WITH deliveries AS MATERIALIZED ({deliveries}),
reassignments AS ({reassignments}),
history AS (
  SELECT e.id, e.lead_id, e.transition, e.occurred_at,
    MAX(CASE WHEN e.transition IN {delivery} THEN e.id END)
      OVER (PARTITION BY e.lead_id ORDER BY e.id) AS delivery_id
  FROM {events} e
  WHERE e.lead_id IN ({delivered_leads})
),
outcomes AS (
  SELECT delivery_id, lead_id,
    MAX(CASE WHEN id = delivery_id THEN occurred_at END) AS delivered_at,
    MIN(CASE WHEN transition IN {decision} THEN id END) AS decision_id,
    MIN(CASE WHEN transition = '{accept}' THEN id END) AS accept_id,
    MIN(CASE WHEN transition = '{reject}' THEN id END) AS reject_id,
    MIN(CASE WHEN transition = '{ignore}' THEN id END) AS ignore_id,
    MAX(CASE WHEN transition IN {to_sales} THEN 1 ELSE 0 END) AS turned,
    MIN(CASE WHEN transition IN {followup} THEN id END) AS followup_id,
    MIN(CASE WHEN transition IN {met} THEN id END) AS met_id
  FROM history WHERE delivery_id IS NOT NULL
  GROUP BY delivery_id, lead_id
),
sequenced AS (
  SELECT outcomes.*,
    LEAD(delivery_id) OVER (PARTITION BY lead_id ORDER BY delivery_id) AS next_id,
    LEAD(delivered_at) OVER (PARTITION BY lead_id ORDER BY delivery_id) AS next_at
  FROM outcomes
),
facts AS (
  SELECT d.id, d.lead_id, d.occurred_at, d.period_week, d.period_month, d.delivery_rep_key,
    d.campaign_key, d.source_key, d.segment_key,
    s.decision_id, s.accept_id, s.reject_id, s.ignore_id, s.turned, s.followup_id, s.met_id, s.next_at,
    CASE WHEN d.lead_sal_past_due = 1 AND s.next_id IS NULL THEN 1 ELSE 0 END AS sal_past_due,
    COALESCE(s.decision_id, s.next_id) AS rep_bound
  FROM deliveries d JOIN sequenced s ON s.delivery_id = d.id
),
reassigned AS (
  SELECT f.id, MAX(r.id) AS reassign_id
  FROM facts f JOIN reassignments r ON r.lead_id = f.lead_id AND r.id > f.id
    AND (f.rep_bound IS NULL OR r.id < f.rep_bound)
  GROUP BY f.id
),
first_touches AS (
  SELECT f.id, MIN(t.occurred_at) AS touched_at
  FROM facts f JOIN {touches} t ON t.lead_id = f.lead_id AND t.occurred_at >= f.occurred_at
    AND (f.next_at IS NULL OR t.occurred_at < f.next_at)
  GROUP BY f.id
)
SELECT f.period_week, f.period_month,
  CASE WHEN ra.id IS NULL THEN f.delivery_rep_key ELSE r.rep_key END AS rep_key,
  f.campaign_key, f.source_key, f.segment_key,
  CASE WHEN f.decision_id = f.accept_id THEN 1 ELSE 0 END AS accepted,
  CASE WHEN f.decision_id = f.reject_id THEN 1 ELSE 0 END AS rejected,
  CASE WHEN f.decision_id = f.ignore_id THEN 1 ELSE 0 END AS ignored,
  CASE WHEN f.decision_id = f.accept_id OR (f.decision_id IS NOT NULL AND f.turned = 1)
    THEN 1 ELSE 0 END AS final_accepted,
  CASE WHEN f.followup_id IS NOT NULL OR f.sal_past_due = 1 THEN 1 ELSE 0 END AS followup_due,
  CASE WHEN f.followup_id = f.met_id OR (f.followup_id IS NULL AND f.sal_past_due = 1)
    THEN 1 ELSE 0 END AS followup_met,
  {hours} AS hours
FROM facts f
LEFT JOIN reassigned ra ON ra.id = f.id
LEFT JOIN reassignments r ON r.id = ra.reassign_id
LEFT JOIN first_touches ft ON ft.id = f.id
"""

MEASURES = {
    "delivered": "COUNT(*)",
    "accepted": "SUM(accepted)",
    "rejected": "SUM(rejected)",
    "ignored": "SUM(ignored)",
    "final_accepted": "SUM(final_accepted)",
    "followup_due": "SUM(followup_due)",
    "followup_met": "SUM(followup_met)",
    "touched": "COUNT(hours)",
    "first_touch_hours_sum": "COALESCE(SUM(hours), 0)",
}


def delivery_facts_sql(*, begins: datetime, ends: datetime, now: datetime) -> tuple[str, tuple]:
    """One row per delivery in [begins, ends): its periods, its keys and what
    became of it (0/1 per outcome, ``hours`` to the first touch or NULL)."""
    deliveries, deliveries_params = _deliveries(begins=begins, ends=ends, now=now).query.sql_with_params()
    reassignments, reassignments_params = _reassignments().query.sql_with_params()
    # The table itself, not the ``deliveries`` CTE: the planner knows how
    # many leads that is (an index lookup each for a few, one scan for all).
    delivered_leads, delivered_leads_params = (
        _deliveries_in(begins, ends).values("lead_id").query.sql_with_params()
    )
    sql = DELIVERY_FACTS_SQL.format(
        deliveries=deliveries,
        reassignments=reassignments,
        delivered_leads=delivered_leads,
        events=connection.ops.quote_name(LeadEvent._meta.db_table),
        touches=connection.ops.quote_name(Touch._meta.db_table),
        delivery=sql_list(DELIVERY_TRANSITIONS),
        decision=sql_list(DECISION_TRANSITIONS),
        accept=ACCEPT,
        reject=REJECT,
        ignore=IGNORE,
        to_sales=sql_list(TO_SALES_VERDICTS),
        followup=sql_list((FOLLOWUP_MISSED, *FOLLOWUP_MET)),
        met=sql_list(FOLLOWUP_MET),
        hours=hours_between_sql(connection.vendor, "ft.touched_at", "f.occurred_at"),
    )
    # Parameters in the order their SQL appears in the statement.
    return sql, (*deliveries_params, *reassignments_params, *delivered_leads_params)


def delivery_grouped_sql(spans: list[Span], now: datetime) -> tuple[str, tuple]:
    """The ``DeliverySnapshot`` measures per period and key, as a statement (see ``grouping``)."""
    begins, ends = spans_bounds(spans)
    return grouped_sql(
        delivery_facts_sql(begins=begins, ends=ends, now=now),
        keys=LEAD_KEY_COLUMNS,
        measures=MEASURES,
        median=Median("first_touch_hours_median", "hours"),
    )
