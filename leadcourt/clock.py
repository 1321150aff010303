"""The one clock that services, jobs and timestamp fields read, and the one
way to set it.

``now()`` is Django's ``timezone.now()`` unless a block runs under
``clock_frozen_at(moment)``, when it is ``moment``. Two callers need that:
``manage.py run_job NAME --now …`` (a job replayed as of a past or future
moment) and the demo seed (months of history replayed through the real
services, each step at its own simulated time). Both used to patch
``django.utils.timezone.now`` with ``unittest.mock`` and flip ``auto_now`` on
shared field objects, which changed the clock for every thread in the
process; a ``ContextVar`` changes it for this thread (or task) only.

Tests move time with the ``clock`` fixture, which patches
``django.utils.timezone.now`` for the code under test; ``now()`` reads
through to it, so both ways of moving time agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils import timezone

_frozen_at: ContextVar[datetime | None] = ContextVar("leadcourt_clock_frozen_at", default=None)


def now() -> datetime:
    """The current moment (aware), or the moment a ``clock_frozen_at`` block set."""
    frozen = _frozen_at.get()
    return frozen if frozen is not None else timezone.now()


def today() -> date:
    """Today's date on the organisation's wall clock, by ``now()``."""
    return timezone.localdate(now())


def organisation_tz() -> ZoneInfo:
    """The organisation's time zone (``settings.TIME_ZONE``): working hours,
    months of metrics and the monthly sample are counted on its wall clock."""
    return ZoneInfo(settings.TIME_ZONE)


@contextmanager
def clock_frozen_at(moment: datetime) -> Iterator[datetime]:
    """Run the block as if it were ``moment`` (aware): every ``now()``, and so
    every deadline, history row and timestamp field written in it."""
    if timezone.is_naive(moment):
        raise ValueError("clock_frozen_at needs an aware datetime")
    token = _frozen_at.set(moment)
    try:
        yield moment
    finally:
        _frozen_at.reset(token)


class UpdatedAtField(models.DateTimeField):
    """``auto_now`` that reads ``now()``: stamped on every ``save()``.
    ``bulk_update`` does not stamp it, so a writer of past rows (the demo
    seed) can set the time each row was last changed."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def pre_save(self, model_instance, add):
        value = now()
        setattr(model_instance, self.attname, value)
        return value
