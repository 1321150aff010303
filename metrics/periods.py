"""Weeks and months in the organisation's time zone.

A week starts on Monday (as SQL ``date_trunc('week')`` and Django's
``TruncWeek`` do on every backend); a month on its first day. Both are
calendar days of ``settings.TIME_ZONE``, the zone deadlines are counted in.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from django.utils import timezone

from leadcourt import clock
from leadcourt.clock import organisation_tz
from metrics.models import PeriodKind


def period_floor(day: date, kind: str) -> date:
    """The first day of the period that contains ``day``."""
    if kind == PeriodKind.WEEK:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def period_next(start: date, kind: str) -> date:
    """The first day of the period after the one starting on ``start``."""
    if kind == PeriodKind.WEEK:
        return start + timedelta(days=7)
    return (start.replace(day=1) + timedelta(days=32)).replace(day=1)


def period_starts(kind: str, first: date, last: date) -> Iterator[date]:
    """Starts of every period overlapping ``first``..``last`` (inclusive days)."""
    current = period_floor(first, kind)
    while current <= last:
        yield current
        current = period_next(current, kind)


def period_label(start: date, kind: str) -> str:
    if kind == PeriodKind.WEEK:
        return f"w/c {start.day} {start:%b %Y}"
    return f"{start:%b %Y}"


def local_midnight(day: date) -> datetime:
    """Midnight at the start of ``day`` in the organisation's time zone."""
    return datetime.combine(day, datetime.min.time(), tzinfo=organisation_tz())


def local_today(now: datetime | None = None) -> date:
    return timezone.localtime(now or clock.now(), organisation_tz()).date()


def as_date(value) -> date:
    """A truncated period from raw SQL: a date or datetime (PostgreSQL) or an
    ISO string (SQLite)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
