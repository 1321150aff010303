"""The monthly sample of unappealed rejections (review mode ``monthly_sample``).

On the first day of a month, a reproducible random sample — seeded by the
month sampled — of the previous month's rejections that nobody appealed goes
before the judges as audit cases. The sample size is
``ceil(sample_percent % × eligible)``.

Eligible: leads rejected (``reject`` or ``return_after_followup``) during the
month and not appealed or audited since the start of that month (up to the
month's first sampling run). The set depends only on the history, not on
what happened to the leads since, so computing it twice for a month gives
the same sample.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime

from django.db.models import Min

from adjudication.models import Case, CaseKind
from leadcourt import clock
from leadcourt.clock import organisation_tz
from leads.models import LeadEvent

REJECTION_TRANSITIONS = ("reject", "return_after_followup")


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month containing ``month`` as [start, end) in the organisation's time zone."""
    tz = organisation_tz()
    start = datetime(month.year, month.month, 1, tzinfo=tz)
    end = datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, tzinfo=tz)
    return start, end


def previous_month(today: date) -> date:
    first = today.replace(day=1)
    return (
        first.replace(year=first.year - 1, month=12)
        if first.month == 1
        else first.replace(month=first.month - 1)
    )


def rejections_eligible_for_sample(*, month: date, cutoff: datetime | None = None) -> list[int]:
    """Ids of the leads rejected in ``month`` and not already before the
    judges, ascending.

    A lead is left out if an appeal or an audit (e.g. under ``all_rejections``)
    about it opened between the start of the month and ``cutoff``: the moment
    this month was first sampled (now, on the first run). Fixing the cutoff
    at the first run keeps the eligible set — and so the sample — the same on
    every rerun, even if marketing appeals something in between.
    """
    start, end = month_bounds(month)
    cutoff = cutoff or clock.now()
    reviewed = (
        Case.objects.filter(
            kind__in=[CaseKind.APPEAL, CaseKind.AUDIT], opened_at__gte=start, opened_at__lte=cutoff
        )
        .exclude(sample_month=month)
        .values("lead_id")
    )
    return list(
        LeadEvent.objects.filter(
            transition__in=REJECTION_TRANSITIONS, occurred_at__gte=start, occurred_at__lt=end
        )
        .exclude(lead_id__in=reviewed)
        .order_by("lead_id")
        .values_list("lead_id", flat=True)
        .distinct()
    )


def sample_cutoff(*, month: date) -> datetime:
    """When ``month`` was first sampled, or now if it has not been yet."""
    first_run = Case.objects.filter(sample_month=month).aggregate(first=Min("opened_at"))["first"]
    return first_run or clock.now()


def sample_size(*, eligible: int, percent: int) -> int:
    return math.ceil(eligible * percent / 100)


def rejections_sample_pick(*, month: date, eligible_ids: list[int], percent: int) -> list[int]:
    """The sample for ``month``: the same inputs always give the same ids."""
    rng = random.Random(f"leadcourt-monthly-sample-{month:%Y-%m}")  # noqa: S311 - reproducible audit, not security
    size = sample_size(eligible=len(eligible_ids), percent=percent)
    return sorted(rng.sample(sorted(eligible_ids), size))
