"""The periods a recompute covers, and how a row finds its period.

A recompute of the days ``first``..``last`` replaces every week and every
month that overlaps them: one ``Span`` per period kind. Rows are read for
the instants all spans cover together and truncated to their week and month
in the organisation's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection
from django.db.models import DateField, Q
from django.db.models.functions import TruncMonth, TruncWeek

from leadcourt.clock import organisation_tz
from metrics.models import PeriodKind
from metrics.periods import local_midnight, period_next, period_starts


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


def spans_of(first: date, last: date) -> list[Span]:
    """One span per period kind, covering the days ``first``..``last``."""
    return [Span(kind, tuple(period_starts(kind, first, last))) for kind in PeriodKind.values]


def spans_bounds(spans: list[Span]) -> tuple[datetime, datetime]:
    """The instants all ``spans`` cover together: [begins, ends)."""
    return min(s.begins for s in spans), max(s.ends for s in spans)


def spans_time_filter(field: str, spans: list[Span]) -> Q:
    begins, ends = spans_bounds(spans)
    return Q(**{f"{field}__gte": begins, f"{field}__lt": ends})


def period_truncs(field: str) -> dict:
    """``period_week`` and ``period_month`` of the instant ``field``, in organisation time."""
    tz = organisation_tz()
    return {
        f"period_{PeriodKind.WEEK}": TruncWeek(field, tzinfo=tz, output_field=DateField()),
        f"period_{PeriodKind.MONTH}": TruncMonth(field, tzinfo=tz, output_field=DateField()),
    }


def spans_where_sql(spans: list[Span], *, period: str, period_start: str) -> tuple[str, tuple]:
    """SQL (and parameters) keeping the rows of the periods being recomputed.

    Rows read for the spans' common bounds can fall in a period of the other
    kind that is not being recomputed (a week that straddles the first of the
    month belongs to the previous month too): those periods are left alone.
    """
    sql = " OR ".join(f"({period} = %s AND {period_start} BETWEEN %s AND %s)" for _ in spans)
    adapt = connection.ops.adapt_datefield_value
    params = tuple(value for s in spans for value in (s.kind, adapt(s.starts[0]), adapt(s.starts[-1])))
    return f"({sql})", params
