"""The monthly sample of unappealed rejections (review mode ``monthly_sample``).

On the first day of a month, a reproducible random sample — seeded by the
month sampled — of the previous month's rejections that nobody appealed goes
before the judges as audit cases. The sample size is
``ceil(sample_percent % × eligible)``.

Eligible: leads rejected (``reject`` or ``return_after_followup``) during the
month, with no appeal filed since the start of that month. The set depends
only on the history, not on what happened to the leads since, so computing
it twice for a month gives the same sample.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime

from adjudication.models import Case, CaseKind
from leads.deadlines import organisation_tz
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


def rejections_eligible_for_sample(*, month: date) -> list[int]:
    """Ids of the leads rejected in ``month`` and never appealed, ascending."""
    start, end = month_bounds(month)
    appealed = Case.objects.filter(kind=CaseKind.APPEAL, opened_at__gte=start).values("lead_id")
    return list(
        LeadEvent.objects.filter(
            transition__in=REJECTION_TRANSITIONS, occurred_at__gte=start, occurred_at__lt=end
        )
        .exclude(lead_id__in=appealed)
        .order_by("lead_id")
        .values_list("lead_id", flat=True)
        .distinct()
    )


def sample_size(*, eligible: int, percent: int) -> int:
    return math.ceil(eligible * percent / 100)


def rejections_sample_pick(*, month: date, eligible_ids: list[int], percent: int) -> list[int]:
    """The sample for ``month``: the same inputs always give the same ids."""
    rng = random.Random(f"leadcourt-monthly-sample-{month:%Y-%m}")  # noqa: S311 - reproducible audit, not security
    size = sample_size(eligible=len(eligible_ids), percent=percent)
    return sorted(rng.sample(sorted(eligible_ids), size))
