"""Deadlines, in working time when the rulebook says so (SPEC §5).

With ``business_hours_only`` on, time runs only Monday to Friday, 09:00–17:00
on the organisation's wall clock (``settings.TIME_ZONE``): 48 decision hours
are six working days, and N days are N working days (N × 8 working hours).
With it off, hours and days are plain elapsed time.

Public holidays are not modelled (the spec names none).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from leadcourt.clock import organisation_tz

WORKDAY_START = time(9, 0)
WORKDAY_END = time(17, 0)
WORKING_HOURS_PER_DAY = 8
WEEKEND = {5, 6}  # Saturday, Sunday


def _opening(day, tz) -> datetime:
    return datetime.combine(day, WORKDAY_START, tzinfo=tz)


def _closing(day, tz) -> datetime:
    return datetime.combine(day, WORKDAY_END, tzinfo=tz)


def _next_opening_after(moment: datetime, tz) -> datetime:
    """The first working instant at or after ``moment`` (wall clock in ``tz``)."""
    day = moment.date()
    while True:
        if day.weekday() not in WEEKEND:
            opening, closing = _opening(day, tz), _closing(day, tz)
            if moment < opening:
                return opening
            if moment < closing:
                return moment
        day += timedelta(days=1)
        moment = _opening(day, tz)


def add_working_time(start: datetime, duration: timedelta) -> datetime:
    """``start`` plus ``duration`` of working time, as an aware datetime.

    Time outside working hours does not count: a lead delivered on Friday at
    16:00 with 2 working hours is due Monday at 10:00.
    """
    tz = organisation_tz()
    remaining = duration
    cursor = _next_opening_after(start.astimezone(tz), tz)
    while True:
        closing = _closing(cursor.date(), tz)
        available = closing - cursor
        if remaining <= available:
            return cursor + remaining
        remaining -= available
        cursor = _next_opening_after(_opening(cursor.date() + timedelta(days=1), tz), tz)


def working_time_between(start: datetime, end: datetime) -> timedelta:
    """The working time from ``start`` to ``end``, the inverse of
    ``add_working_time`` (how much of a working-time window is left).
    Zero when ``end`` is not after ``start``."""
    total = timedelta(0)
    if end <= start:
        return total
    tz = organisation_tz()
    start, end = start.astimezone(tz), end.astimezone(tz)
    day = start.date()
    while day <= end.date():
        if day.weekday() not in WEEKEND:
            overlap = min(_closing(day, tz), end) - max(_opening(day, tz), start)
            if overlap > timedelta(0):
                total += overlap
        day += timedelta(days=1)
    return total


def _after_elapsed(start: datetime, duration: timedelta) -> datetime:
    # Python adds a timedelta to an aware datetime on its wall clock, so in a
    # zone with daylight saving "48 hours" from a London time would be 47 or 49
    # real hours across a clock change. Elapsed time is counted in UTC.
    return start.astimezone(UTC) + duration


def deadline_after_hours(start: datetime, hours: int, *, business_hours_only: bool) -> datetime:
    if business_hours_only:
        return add_working_time(start, timedelta(hours=hours))
    return _after_elapsed(start, timedelta(hours=hours))


def deadline_after_days(start: datetime, days: int, *, business_hours_only: bool) -> datetime:
    if business_hours_only:
        return add_working_time(start, timedelta(hours=days * WORKING_HOURS_PER_DAY))
    return _after_elapsed(start, timedelta(days=days))
