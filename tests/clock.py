"""A controllable clock for tests: services and ``auto_now`` fields read
``django.utils.timezone.now``, so the ``clock`` fixture moves "now" for the
whole code under test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A wall-clock time in the organisation's time zone (settings.TIME_ZONE)."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


class Clock:
    """What ``django.utils.timezone.now`` returns while the ``clock`` fixture is active."""

    def __init__(self, start: datetime):
        self.current = start

    def now(self) -> datetime:
        return self.current.astimezone(UTC)

    def set(self, when: datetime) -> datetime:
        self.current = when
        return when

    def advance(self, **delta) -> datetime:
        self.current = self.current + timedelta(**delta)
        return self.current
