"""Replacing the snapshot rows of a range of periods: the one write of the metrics app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q

from leadcourt import clock
from leads.models import Lead
from metrics.models import DeliverySnapshot, FunnelSnapshot, PeriodKind, VerdictSnapshot
from metrics.periods import local_today
from metrics.snapshots.deliveries import delivery_grouped_sql
from metrics.snapshots.funnel import funnel_grouped_sql
from metrics.snapshots.grouping import aggregation_settings_apply
from metrics.snapshots.labels import labelled_sql
from metrics.snapshots.spans import Span, spans_of, spans_where_sql
from metrics.snapshots.verdicts import verdict_grouped_sqls

# Recompute serialisation key (PostgreSQL advisory lock): two workers running
# the job at once take turns instead of racing on the unique keys.
ADVISORY_LOCK_KEY = 0x1EAD_C0_7

# How far back the scheduled job looks: the current month and the two before.
# Deliveries are decided within days and verdicts come within weeks (appeal
# window plus review time), so older periods rarely change; a full
# recompute (``full=True``) catches up on anything older.
RECENT_MONTHS = 3


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


KEY_LENGTH = 100  # the snapshot tables' ``key`` column

# Only the code's own constants (names, SQL built from them) are formatted
# into it; values go as parameters.
INSERT_SQL = """
INSERT INTO {table} ({columns})
SELECT g.period, g.period_start, g.dimension, SUBSTR(g.dim_key, 1, {key_length}), {label}, %s, {measures}
FROM ({grouped}) g
{joins}
WHERE {where}
"""


def rows_insert(model, grouped: tuple[str, tuple], spans: list[Span], computed_at: datetime) -> int:
    """Insert the aggregated rows of ``grouped`` (see ``grouping``) that fall
    in the periods being recomputed, labelled, into ``model``'s table: one
    ``INSERT … SELECT``. Returns the number of rows."""
    grouped_sql, grouped_params = grouped
    label, joins, joins_params = labelled_sql("g")
    where, where_params = spans_where_sql(spans, period="g.period", period_start="g.period_start")
    measures = model.measures()
    quote = connection.ops.quote_name
    columns = ("period", "period_start", "dimension", "key", "label", "computed_at", *measures)
    sql = INSERT_SQL.format(
        table=quote(model._meta.db_table),
        columns=", ".join(quote(column) for column in columns),
        key_length=KEY_LENGTH,
        label=label,
        measures=", ".join(f"g.{measure}" for measure in measures),
        grouped=grouped_sql,
        joins=joins,
        where=where,
    )
    # In the order they appear in the statement.
    computed_at = connection.ops.adapt_datetimefield_value(computed_at)
    with connection.cursor() as cursor:
        cursor.execute(sql, (computed_at, *grouped_params, *joins_params, *where_params))
        return cursor.rowcount


def _stale(spans: list[Span]) -> Q:
    """The snapshot rows of the periods being recomputed."""
    stale = Q()
    for span in spans:
        stale |= Q(period=span.kind, period_start__gte=span.starts[0], period_start__lte=span.starts[-1])
    return stale


def snapshots_recompute(*, first: date, last: date, now: datetime | None = None) -> RecomputeResult:
    """Replace the snapshots of every week and month overlapping the days
    ``first``..``last`` (organisation time) with freshly aggregated rows.

    One transaction: the stale rows are deleted, then each table is filled
    by one ``INSERT … SELECT`` that aggregates and labels its rows in the
    database (nothing goes through Python row by row). Readers see the old
    rows until the new ones are committed. On PostgreSQL an advisory lock
    makes concurrent recomputes take turns (SQLite serialises writers by
    itself). Idempotent: the rows depend only on the data and ``now``.
    """
    if last < first:
        raise ValueError("The range ends before it starts.")
    now = now or clock.now()
    spans = spans_of(first, last)
    with transaction.atomic():
        aggregation_settings_apply()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
        for model in (DeliverySnapshot, FunnelSnapshot, VerdictSnapshot):
            model.objects.filter(_stale(spans)).delete()
        rows = rows_insert(DeliverySnapshot, delivery_grouped_sql(spans, now), spans, now)
        rows += rows_insert(FunnelSnapshot, funnel_grouped_sql(spans), spans, now)
        for grouped in verdict_grouped_sqls(spans):
            rows += rows_insert(VerdictSnapshot, grouped, spans, now)
    by_kind = {span.kind: len(span.starts) for span in spans}
    return RecomputeResult(
        weeks=by_kind[PeriodKind.WEEK],
        months=by_kind[PeriodKind.MONTH],
        rows=rows,
        first=first,
        last=last,
    )


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
