"""The scheduled jobs of the judicial branch (SPEC §8): escalating overdue
cases and the monthly sample. See ``leads/jobs.py`` for the shared shape."""

from __future__ import annotations

from django.db import transaction

from adjudication import notify
from adjudication.models import Case, CaseStatus
from adjudication.sampling import previous_month
from adjudication.services import monthly_sample_open_cases
from leadcourt import clock
from leadcourt.accounts import roles
from leadcourt.jobs.batches import for_each_locked_batch
from leadcourt.jobs.report import JobReport, plural
from leads.history import lead_event_new
from leads.models import Lead, LeadEvent, ReviewMode
from leads.selectors import rulebook_current

ESCALATION_TRANSITION = "case_escalated"


def _escalate_batch(*, case_ids: list[int], now, system, rulebook) -> list[Case]:
    """Escalate the still-overdue cases among ``case_ids``; return them.

    Lock order as everywhere: the leads, then the cases, each ``SKIP
    LOCKED`` so that a verdict in progress (which holds the lead) or another
    run's batch is passed over rather than waited for. The compare-and-set
    on ``escalated_at`` makes each case escalate once.
    """
    locked_lead_ids = list(
        Lead.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(cases__pk__in=case_ids)
        .values_list("pk", flat=True)
    )
    cases = list(
        Case.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("lead")
        .filter(
            pk__in=case_ids,
            lead_id__in=locked_lead_ids,
            status=CaseStatus.OPEN,
            due_at__lt=now,
            escalated_at__isnull=True,
        )
        .order_by("pk")
    )
    if not cases:
        return []
    Case.objects.filter(pk__in=[case.pk for case in cases], escalated_at__isnull=True).update(
        escalated_at=now
    )
    # The lead's timeline shows that its case was escalated, by whom (the system) and when.
    LeadEvent.objects.bulk_create(
        lead_event_new(
            lead=case.lead,
            transition=ESCALATION_TRANSITION,
            from_state=case.lead.state,
            actor=system,
            occurred_at=now,
            rulebook=rulebook,
            data={"case": case.pk, "due_at": case.due_at.isoformat()},
        )
        for case in cases
    )
    return cases


def escalate_cases() -> JobReport:
    """Escalate open cases past their review deadline: record it in each
    lead's history and send every judge and manager one digest listing the
    cases this run escalated (not a mail per case: a backlog of thousands of
    cases is one mail per person).

    One transaction for the whole run, so that the cases marked escalated and
    the digests that announce them commit together: a run that dies half-way
    (its worker killed) leaves nothing escalated, and its redelivery, or the
    next hourly run, does it all. Inside it the cases are claimed in locked
    batches (``SKIP LOCKED``, savepoints), so two runs at once split the
    cases, each announcing its own in its own digest, and a case escalates
    once: a second run finds nothing left to escalate and sends nothing.
    The locks are held until the end of the run: a judge's verdict on one of
    these cases waits that long (2.4 s for a backlog of 2,500 cases).
    """
    now = clock.now()
    system = roles.system_actor()
    rulebook = rulebook_current()
    escalated = notify.OverdueDigest()

    def escalate(case_ids: list[int]) -> None:
        escalated.add(_escalate_batch(case_ids=case_ids, now=now, system=system, rulebook=rulebook))

    with transaction.atomic():
        # Not locked by the candidate query: ``_escalate_batch`` locks each case after its lead.
        for_each_locked_batch(
            Case.objects.filter(status=CaseStatus.OPEN, due_at__lt=now, escalated_at__isnull=True),
            escalate,
            lock=False,
        )
        notified = notify.cases_overdue(digest=escalated, escalated_at=now)
    return JobReport(
        job="escalate_cases",
        summary=(
            f"escalated {plural(escalated.count, 'overdue case')}, "
            f"sent {plural(notified, 'digest')} to judges and managers"
        ),
        counts={"escalated": escalated.count, "notifications": notified},
    )


def monthly_sample() -> JobReport:
    """Review mode ``monthly_sample``: open audit cases for the reproducible
    sample of last month's unappealed rejections (SPEC §6). In any other
    review mode it does nothing and says so.

    Last month is the month before today in the organisation's time zone, so
    a run by hand on any day of March samples February, the same sample the
    scheduled run on 1 March took (the service skips leads already audited).
    """
    rulebook = rulebook_current()
    if rulebook.review_mode != ReviewMode.MONTHLY_SAMPLE:
        return JobReport(
            job="monthly_sample",
            summary=(
                f"review mode is '{rulebook.review_mode}', not '{ReviewMode.MONTHLY_SAMPLE}': no sample taken"
            ),
            counts={"eligible": 0, "picked": 0, "cases_opened": 0, "skipped": 0},
        )
    month = previous_month(clock.today())
    result = monthly_sample_open_cases(month=month, actor=roles.system_actor())
    opened = len(result.opened)
    summary = (
        f"sampled {len(result.picked)} of {result.eligible} unappealed rejections of {month:%B %Y}, "
        f"opened {plural(opened, 'audit case')}"
    )
    if result.skipped:
        summary += f" ({len(result.skipped)} skipped: already audited or no longer rejected)"
    return JobReport(
        job="monthly_sample",
        summary=summary,
        counts={
            "eligible": result.eligible,
            "picked": len(result.picked),
            "cases_opened": opened,
            "skipped": len(result.skipped),
        },
    )
