"""The monthly sample of unappealed rejections (review mode ``monthly_sample``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from adjudication.models import Case
from adjudication.sampling import rejections_eligible_for_sample, rejections_sample_pick, sample_cutoff
from adjudication.services.opening import case_open_audit
from leadcourt.errors import Conflict, InvalidTransition
from leads.models import Lead
from leads.selectors import rulebook_current


@dataclass
class MonthlySampleResult:
    month: date
    eligible: int
    picked: list[int]
    opened: list[Case] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)


def monthly_sample_open_cases(*, month: date, actor) -> MonthlySampleResult:
    """Open audit cases for the reproducible sample of ``month``'s unappealed
    rejections (see ``adjudication.sampling``).

    Idempotent: a lead already audited for this month is skipped, and the
    (lead, sample month) unique constraint holds if two workers race. Each
    case opens in its own transaction, so one lead that can no longer be
    audited (recycled, won, already in review) does not stop the others; it
    is reported in ``skipped``.
    """
    # Any day names its month (as in ``month_bounds``); the idempotency key
    # ``sample_month`` must be the first day, or a run given the 20th would
    # audit again the leads a run given the 1st already audited.
    month = month.replace(day=1)
    rulebook = rulebook_current()
    eligible = rejections_eligible_for_sample(month=month, cutoff=sample_cutoff(month=month))
    picked = rejections_sample_pick(month=month, eligible_ids=eligible, percent=rulebook.sample_percent)
    result = MonthlySampleResult(month=month, eligible=len(eligible), picked=picked)
    already = set(
        Case.objects.filter(sample_month=month, lead_id__in=picked).values_list("lead_id", flat=True)
    )
    for lead_id in picked:
        if lead_id in already:
            result.skipped[lead_id] = "already audited for this month"
            continue
        try:
            result.opened.append(case_open_audit(lead=Lead(pk=lead_id), actor=actor, sample_month=month))
        except (InvalidTransition, Conflict) as exc:
            result.skipped[lead_id] = exc.message
    return result
