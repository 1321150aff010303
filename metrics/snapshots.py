"""Recomputing the metric snapshots (SPEC §7) by SQL aggregation.

``snapshots_recompute(first=…, last=…)`` replaces every snapshot row of the
weeks and months overlapping those days, in one transaction: running it
twice gives the same rows, and it can be run for any range (the job runs it
for recent months; ``full=True`` for all history).

Deliveries are read from the append-only lead history, so each delivery —
a ``qualify``, or a ``recycle`` that hands a returned lead to sales again —
is its own row, with what became of *that* delivery:

* its first decision: the first ``accept``, ``reject`` or ``flag_ignored``
  after it (a delivered lead leaves ``mql`` only by one of them, so there
  is at most one per delivery);
* whether a ``verdict_overturn`` / ``verdict_follow_up`` before the next
  delivery turned a rejection or an ignore into an acceptance (final rate);
* its follow-up: the first of ``flag_unworked`` (missed), or
  ``qualify_opportunity`` / ``return_after_followup`` (met: both need the
  lead worked; a return needs the required touches), or a lead still in
  ``sal`` past its deadline and not flagged (met: the sweep flags misses);
* hours from the delivery to its first touch.

A delivery counts in the week and month (organisation time) in which it
happened, whenever its decision came. It is attributed to the rep who had
the lead when its first decision was made (the delivery's rep, or the last
reassignment before the decision), and to the lead's campaign, source and
segment.

The per-delivery rows are built by the ORM (which knows each backend's time
zone truncation and JSON access) and aggregated by one plain-SQL statement
around them, that runs on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Case as SqlCase  # ``Case`` is the court's model here
from django.db.models import (
    CharField,
    Count,
    DateField,
    DateTimeField,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, TruncMonth, TruncWeek

from adjudication.models import Case, CaseKind, CaseStatus, Decision, Finding, Vote
from leadcourt import clock
from leadcourt.clock import organisation_tz
from leads.models import Campaign, Lead, LeadEvent, LeadState, Segment, Touch
from metrics.models import (
    NONE_KEY,
    OVERALL_KEY,
    DeliverySnapshot,
    Dimension,
    FunnelSnapshot,
    PeriodKind,
    VerdictSnapshot,
)
from metrics.periods import as_date, local_midnight, local_today, period_next, period_starts

DELIVERY_TRANSITIONS = ("qualify", "recycle")
DECISION_TRANSITIONS = ("accept", "reject", "flag_ignored")
TO_SALES_VERDICTS = ("verdict_overturn", "verdict_follow_up")
FOLLOWUP_MISSED = "flag_unworked"
FOLLOWUP_MET = ("qualify_opportunity", "return_after_followup")
# Larger than any id: "no next delivery" as an upper bound.
NO_BOUND = 2**62
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=organisation_tz())
# Recompute serialisation key (PostgreSQL advisory lock): two workers running
# the job at once take turns instead of racing on the unique keys.
ADVISORY_LOCK_KEY = 0x1EAD_C0_7

NONE_LABELS = {
    Dimension.REP: "Unassigned",
    Dimension.CAMPAIGN: "No campaign",
    Dimension.SOURCE: "No source",
    Dimension.SEGMENT: "No segment",
    Dimension.JUDGE: "Unknown judge",
}
OVERALL_LABEL = "All leads"


class HoursBetween(Func):
    """Hours from ``start`` to ``end`` as a float, on PostgreSQL and SQLite
    (Django has no portable "difference in seconds")."""

    output_field = FloatField()

    def __init__(self, end, start):
        super().__init__(end, start)

    def as_sql(self, compiler, connection, **extra):  # pragma: no cover - other backends
        raise NotImplementedError(f"HoursBetween does not support {connection.vendor}")

    def as_postgresql(self, compiler, connection, **extra):
        end, end_params = compiler.compile(self.source_expressions[0])
        start, start_params = compiler.compile(self.source_expressions[1])
        return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 3600.0)", (*end_params, *start_params)

    def as_sqlite(self, compiler, connection, **extra):
        end, end_params = compiler.compile(self.source_expressions[0])
        start, start_params = compiler.compile(self.source_expressions[1])
        return f"((julianday({end}) - julianday({start})) * 24.0)", (*end_params, *start_params)


@dataclass
class RecomputeResult:
    weeks: int
    months: int
    rows: int
    first: date
    last: date

    def __str__(self) -> str:
        return (
            f"recomputed {self.weeks} weeks and {self.months} months "
            f"({self.first:%Y-%m-%d} to {self.last:%Y-%m-%d}): {self.rows} rows"
        )


# --- the periods of a recompute -------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """The period starts of one kind being recomputed, and the instants they cover."""

    kind: str
    starts: tuple[date, ...]

    @property
    def begins(self) -> datetime:
        return local_midnight(self.starts[0])

    @property
    def ends(self) -> datetime:
        return local_midnight(period_next(self.starts[-1], self.kind))


def _spans(first: date, last: date) -> list[Span]:
    return [Span(kind, tuple(period_starts(kind, first, last))) for kind in PeriodKind.values]


def _bounds(spans: list[Span]) -> tuple[datetime, datetime]:
    """The instants all ``spans`` cover together: [begins, ends)."""
    return min(s.begins for s in spans), max(s.ends for s in spans)


def _time_filter(field: str, spans: list[Span]) -> Q:
    begins, ends = _bounds(spans)
    return Q(**{f"{field}__gte": begins, f"{field}__lt": ends})


def _truncs(field: str) -> dict:
    tz = organisation_tz()
    return {
        "period_week": TruncWeek(field, tzinfo=tz, output_field=DateField()),
        "period_month": TruncMonth(field, tzinfo=tz, output_field=DateField()),
    }


def _text(expression):
    return Coalesce(Cast(expression, CharField()), Value(NONE_KEY))


# --- deliveries ----------------------------------------------------------------------------


def deliveries_queryset(*, begins: datetime, ends: datetime, now: datetime):
    """One row per delivery in [begins, ends) with what became of it (see the module docstring)."""
    later = LeadEvent.objects.filter(lead=OuterRef("lead"), id__gt=OuterRef("id")).order_by("id")
    next_delivery = later.filter(transition__in=DELIVERY_TRANSITIONS)
    qs = (
        LeadEvent.objects.filter(
            transition__in=DELIVERY_TRANSITIONS, occurred_at__gte=begins, occurred_at__lt=ends
        )
        .annotate(
            next_delivery_id=Subquery(next_delivery.values("id")[:1]),
            next_delivery_at=Subquery(next_delivery.values("occurred_at")[:1]),
        )
        .annotate(window_end=Coalesce(F("next_delivery_id"), Value(NO_BOUND), output_field=IntegerField()))
    )
    in_window = later.filter(id__lt=OuterRef("window_end"))
    decisions = in_window.filter(transition__in=DECISION_TRANSITIONS)
    qs = qs.annotate(
        decision_id=Subquery(decisions.values("id")[:1]),
        decision=Subquery(decisions.values("transition")[:1]),
        turned=Exists(in_window.filter(transition__in=TO_SALES_VERDICTS)),
        followup_outcome=Subquery(
            in_window.filter(transition__in=(FOLLOWUP_MISSED, *FOLLOWUP_MET)).values("transition")[:1]
        ),
        sal_past_due=SqlCase(
            When(
                Q(lead__state=LeadState.SAL, lead__followup_due_at__lt=now, next_delivery_id__isnull=True),
                then=Value(1),
            ),
            default=Value(0),
            output_field=IntegerField(),
        ),
    )
    first_touch = (
        Touch.objects.filter(
            lead=OuterRef("lead"),
            occurred_at__gte=OuterRef("occurred_at"),
            occurred_at__lt=Coalesce(
                OuterRef("next_delivery_at"), Value(FAR_FUTURE), output_field=DateTimeField()
            ),
        )
        .order_by("occurred_at")
        .values("occurred_at")[:1]
    )
    # The rep who had the lead at its first decision (or now, if undecided):
    # the delivery's rep, unless a manager reassigned it before the decision.
    rep_at_decision = (
        LeadEvent.objects.filter(
            lead=OuterRef("lead"),
            id__gte=OuterRef("id"),
            id__lt=Coalesce(OuterRef("decision_id"), OuterRef("window_end"), output_field=IntegerField()),
            transition__in=(*DELIVERY_TRANSITIONS, "reassign"),
        )
        .order_by("-id")
        .annotate(rep=Coalesce(KeyTextTransform("to_rep", "data"), KeyTextTransform("rep", "data")))
        .values("rep")[:1]
    )
    return qs.annotate(
        hours=HoursBetween(Subquery(first_touch, output_field=DateTimeField()), F("occurred_at")),
        rep_key=_text(Subquery(rep_at_decision)),
        campaign_key=_text("lead__campaign_id"),
        source_key=Coalesce(F("lead__source"), Value(NONE_KEY)),
        segment_key=_text("lead__segment_id"),
        **_truncs("occurred_at"),
    ).values(
        "period_week",
        "period_month",
        "decision",
        "turned",
        "followup_outcome",
        "sal_past_due",
        "hours",
        "rep_key",
        "campaign_key",
        "source_key",
        "segment_key",
    )


DELIVERY_KEY_COLUMNS = {
    Dimension.OVERALL: f"'{OVERALL_KEY}'",
    Dimension.REP: "rep_key",
    Dimension.CAMPAIGN: "campaign_key",
    Dimension.SOURCE: "source_key",
    Dimension.SEGMENT: "segment_key",
}

# Plain SQL that PostgreSQL (12+) and SQLite (3.35+) both run: CTEs, window
# functions, integer division. ``d`` is the ORM's per-delivery query; ``k``
# repeats each delivery once per (period kind, dimension); ``m`` is the
# median of hours to first touch per group, by row numbers.
DELIVERY_AGGREGATE_SQL = """
WITH d AS MATERIALIZED ({inner}),
k AS MATERIALIZED ({branches}),
g AS (
  SELECT period, period_start, dimension, dim_key,
    COUNT(*) AS delivered,
    SUM(CASE WHEN decision = 'accept' THEN 1 ELSE 0 END) AS accepted,
    SUM(CASE WHEN decision = 'reject' THEN 1 ELSE 0 END) AS rejected,
    SUM(CASE WHEN decision = 'flag_ignored' THEN 1 ELSE 0 END) AS ignored,
    SUM(CASE WHEN decision = 'accept' OR (decision IN ('reject', 'flag_ignored') AND turned)
        THEN 1 ELSE 0 END) AS final_accepted,
    SUM(CASE WHEN followup_outcome IS NOT NULL OR sal_past_due = 1 THEN 1 ELSE 0 END) AS followup_due,
    SUM(CASE WHEN followup_outcome IN ('qualify_opportunity', 'return_after_followup')
             OR (followup_outcome IS NULL AND sal_past_due = 1) THEN 1 ELSE 0 END) AS followup_met,
    COUNT(hours) AS touched,
    COALESCE(SUM(hours), 0) AS first_touch_hours_sum
  FROM k GROUP BY period, period_start, dimension, dim_key
),
t AS (
  SELECT period, period_start, dimension, dim_key, hours,
    ROW_NUMBER() OVER (PARTITION BY period, period_start, dimension, dim_key ORDER BY hours) AS rn,
    COUNT(*) OVER (PARTITION BY period, period_start, dimension, dim_key) AS n
  FROM k WHERE hours IS NOT NULL
),
m AS (
  SELECT period, period_start, dimension, dim_key, AVG(hours) AS first_touch_hours_median
  FROM t WHERE rn IN ((n + 1) / 2, (n + 2) / 2)
  GROUP BY period, period_start, dimension, dim_key
)
SELECT g.period, g.period_start, g.dimension, g.dim_key, g.delivered, g.accepted, g.rejected,
  g.ignored, g.final_accepted, g.followup_due, g.followup_met, g.touched, g.first_touch_hours_sum,
  m.first_touch_hours_median
FROM g LEFT JOIN m ON g.period = m.period AND g.period_start = m.period_start
  AND g.dimension = m.dimension AND g.dim_key = m.dim_key
"""


def _delivery_rows(spans: list[Span], now: datetime) -> list[dict]:
    begins, ends = _bounds(spans)
    inner, params = deliveries_queryset(begins=begins, ends=ends, now=now).query.sql_with_params()
    # Only the code's own constants are formatted into the SQL; values go as parameters.
    branches = " UNION ALL ".join(
        f"SELECT '{kind}' AS period, period_{kind} AS period_start, '{dimension}' AS dimension, "  # noqa: S608
        f"{column} AS dim_key, decision, turned, followup_outcome, sal_past_due, hours FROM d"
        for kind in PeriodKind.values
        for dimension, column in DELIVERY_KEY_COLUMNS.items()
    )
    sql = DELIVERY_AGGREGATE_SQL.format(inner=inner, branches=branches)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    wanted = {(s.kind, start) for s in spans for start in s.starts}
    result = []
    for row in rows:
        row["period_start"] = as_date(row["period_start"])
        # Deliveries of the range's edge days can fall in a period of the
        # other kind that is not being recomputed; leave those periods alone.
        if (row["period"], row["period_start"]) in wanted:
            row["dim_key"] = "" if row["dim_key"] is None else str(row["dim_key"])
            result.append(row)
    return result


# --- funnel and verdicts: plain ORM aggregation ---------------------------------------------


def _grouped(qs, spans: list[Span], keys: dict[str, object], aggregates: dict) -> list[dict]:
    """``aggregates`` of ``qs`` per (period kind, period start, dimension, key):
    one GROUP BY query per period kind and dimension."""
    rows = []
    for span in spans:
        period_field = f"period_{span.kind}"
        for dimension, key in keys.items():
            grouped = (
                qs.annotate(period_start=F(period_field), dim_key=key)
                .values("period_start", "dim_key")
                .annotate(**aggregates)
                .order_by()
            )
            wanted = set(span.starts)
            for row in grouped:
                row["period_start"] = as_date(row["period_start"])
                if row["period_start"] in wanted:
                    row.update(period=span.kind, dimension=dimension, dim_key=str(row["dim_key"] or ""))
                    rows.append(row)
    return rows


def _funnel_rows(spans: list[Span]) -> list[dict]:
    """Leads created in each period and the furthest stage each reached."""
    qs = Lead.objects.filter(_time_filter("created_at", spans)).annotate(**_truncs("created_at"))
    keys = {
        Dimension.OVERALL: Value(OVERALL_KEY),
        Dimension.REP: _text("assigned_rep_id"),
        Dimension.CAMPAIGN: _text("campaign_id"),
        Dimension.SOURCE: F("source"),
        Dimension.SEGMENT: _text("segment_id"),
    }
    aggregates = {
        "inquiries": Count("id"),
        # delivered_at / accepted_at / sql_at are set on first entry and kept:
        # a lead that got there once counts at that stage.
        "mqls": Count("id", filter=Q(delivered_at__isnull=False)),
        "sals": Count("id", filter=Q(accepted_at__isnull=False)),
        "sqls": Count("id", filter=Q(sql_at__isnull=False)),
        "won": Count("id", filter=Q(state=LeadState.WON)),
        "revenue": Coalesce(Sum("won_amount", filter=Q(state=LeadState.WON)), Value(Decimal("0"))),
    }
    return _grouped(qs, spans, keys, aggregates)


def _verdict_aggregates(decision: str, finding: str, kind: str, hours) -> dict:
    """The ``VerdictSnapshot`` measures, over cases or over votes (the field names differ)."""
    rejection_kinds = (CaseKind.APPEAL, CaseKind.AUDIT)
    return {
        "verdicts": Count("id"),
        **{f"finding_{value}": Count("id", filter=Q(**{finding: value})) for value in Finding.values},
        "rejection_verdicts": Count("id", filter=Q(**{f"{kind}__in": rejection_kinds})),
        "overturned": Count("id", filter=Q(**{decision: Decision.OVERTURN})),
        "ignored_verdicts": Count("id", filter=~Q(**{f"{kind}__in": rejection_kinds})),
        "followed_up": Count("id", filter=Q(**{decision: Decision.FOLLOW_UP})),
        "hours_to_verdict_sum": Coalesce(Sum(hours), Value(0.0)),
    }


def _verdict_rows(spans: list[Span]) -> list[dict]:
    """Verdicts rendered in each period (by case), and each judge's votes on
    the cases decided in each period."""
    cases = Case.objects.filter(_time_filter("decided_at", spans), status=CaseStatus.DECIDED).annotate(
        **_truncs("decided_at")
    )
    keys = {
        Dimension.OVERALL: Value(OVERALL_KEY),
        # The case's rep: the party whose decision was reviewed.
        Dimension.REP: _text("rep_id"),
        Dimension.CAMPAIGN: _text("lead__campaign_id"),
        Dimension.SOURCE: F("lead__source"),
        Dimension.SEGMENT: _text("lead__segment_id"),
    }
    rows = _grouped(
        cases,
        spans,
        keys,
        _verdict_aggregates("decision", "finding", "kind", HoursBetween("decided_at", "opened_at")),
    )
    votes = Vote.objects.filter(
        _time_filter("case__decided_at", spans), case__status=CaseStatus.DECIDED
    ).annotate(**_truncs("case__decided_at"))
    rows += _grouped(
        votes,
        spans,
        {Dimension.JUDGE: _text("judge_id")},
        _verdict_aggregates("decision", "finding", "case__kind", HoursBetween("cast_at", "case__opened_at")),
    )
    return rows


# --- labels ------------------------------------------------------------------------------------


def _labels(rows: list[dict]) -> dict[tuple[str, str], str]:
    """Display names for every (dimension, key) in ``rows``: one query per kind of object."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row["dim_key"] not in (NONE_KEY, OVERALL_KEY):
            wanted[row["dimension"]].add(row["dim_key"])
    labels: dict[tuple[str, str], str] = {}
    user_ids = _ints(wanted[Dimension.REP] | wanted[Dimension.JUDGE])
    users = {
        str(u.pk): u.get_full_name() or u.username for u in get_user_model().objects.filter(pk__in=user_ids)
    }
    sources = {
        Dimension.REP: users,
        Dimension.JUDGE: users,
        Dimension.CAMPAIGN: {
            str(pk): name
            for pk, name in Campaign.objects.filter(pk__in=_ints(wanted[Dimension.CAMPAIGN])).values_list(
                "pk", "name"
            )
        },
        Dimension.SEGMENT: {
            str(pk): name
            for pk, name in Segment.objects.filter(pk__in=_ints(wanted[Dimension.SEGMENT])).values_list(
                "pk", "name"
            )
        },
    }
    for row in rows:
        dimension, key = row["dimension"], row["dim_key"]
        if dimension == Dimension.OVERALL:
            label = OVERALL_LABEL
        elif key == NONE_KEY:
            label = NONE_LABELS[dimension]
        elif dimension == Dimension.SOURCE:
            label = key
        else:
            label = sources[dimension].get(key, f"#{key}")
        labels[(dimension, key)] = label[:200]
    return labels


def _ints(keys) -> list[int]:
    return [int(k) for k in keys if k.isdigit()]


# --- the recompute -------------------------------------------------------------------------------


def _build(model, rows: list[dict], labels, computed_at) -> list:
    """Snapshot rows from aggregated rows, which name each measure after its field."""
    return [
        model(
            period=row["period"],
            period_start=row["period_start"],
            dimension=row["dimension"],
            key=row["dim_key"][:100],
            label=labels[(row["dimension"], row["dim_key"])],
            computed_at=computed_at,
            **{name: row[name] for name in model.measures()},
        )
        for row in rows
    ]


def snapshots_recompute(*, first: date, last: date, now: datetime | None = None) -> RecomputeResult:
    """Replace the snapshots of every week and month overlapping the days
    ``first``..``last`` (organisation time) with freshly aggregated rows.

    One transaction: readers see the old rows until the new ones are
    committed. On PostgreSQL an advisory lock makes concurrent recomputes
    take turns (SQLite serialises writers by itself). Idempotent: the rows
    depend only on the data and ``now``.
    """
    if last < first:
        raise ValueError("The range ends before it starts.")
    now = now or clock.now()
    spans = _spans(first, last)
    delivery_rows = _delivery_rows(spans, now)
    funnel_rows = _funnel_rows(spans)
    verdict_rows = _verdict_rows(spans)
    labels = _labels([*delivery_rows, *funnel_rows, *verdict_rows])
    tables = [
        (DeliverySnapshot, _build(DeliverySnapshot, delivery_rows, labels, now)),
        (FunnelSnapshot, _build(FunnelSnapshot, funnel_rows, labels, now)),
        (VerdictSnapshot, _build(VerdictSnapshot, verdict_rows, labels, now)),
    ]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
        for model, objects in tables:
            stale = Q()
            for span in spans:
                stale |= Q(
                    period=span.kind, period_start__gte=span.starts[0], period_start__lte=span.starts[-1]
                )
            model.objects.filter(stale).delete()
            model.objects.bulk_create(objects, batch_size=1000)
    by_kind = {span.kind: len(span.starts) for span in spans}
    return RecomputeResult(
        weeks=by_kind[PeriodKind.WEEK],
        months=by_kind[PeriodKind.MONTH],
        rows=sum(len(objects) for _, objects in tables),
        first=first,
        last=last,
    )


# How far back the scheduled job looks: the current month and the two before.
# Deliveries are decided within days and verdicts come within weeks (appeal
# window plus review time), so older periods rarely change; a full
# recompute (``full=True``) catches up on anything older.
RECENT_MONTHS = 3


def snapshots_recompute_recent(*, now: datetime | None = None, full: bool = False) -> RecomputeResult:
    """The job's default range: recent months, or all history with ``full``."""
    now = now or clock.now()
    today = local_today(now)
    if full:
        earliest = Lead.objects.order_by("created_at").values_list("created_at", flat=True).first()
        first = local_today(earliest) if earliest else today
    else:
        first = today.replace(day=1)
        for _ in range(RECENT_MONTHS - 1):
            first = (first - timedelta(days=1)).replace(day=1)
    return snapshots_recompute(first=first, last=today, now=now)
