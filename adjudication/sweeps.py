"""The sweeps that open cases (SPEC §8): the decision sweep flags MQLs nobody
decided in time, the follow-up sweep accepted leads nobody worked. Both also
remind reps before those deadlines (``leads.reminders``).

They live with the court because what they do is open cases. Each is a plain
function returning a ``JobReport``; the Celery tasks (``adjudication/tasks.py``)
and ``manage.py run_job`` call them by their job names. They read the time
from ``clock.now()`` only, select candidates in SQL, claim them in locked
batches (``leadcourt.jobs.batches``, ``FOR UPDATE SKIP LOCKED``: two workers
split the overdue leads) and open the batch's cases with the set-based form
of the court's service (``cases_open_ignored``, ``cases_open_not_followed_up``):
a handful of statements and one notification task per batch, not a service
call per lead. Its ``UPDATE`` re-checks every lead: one that is no longer
overdue (accepted a second ago, say) is skipped quietly. Running a sweep
twice, or on two workers at once, therefore changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet

from adjudication.models import Case
from adjudication.services import (
    cases_open_ignored,
    cases_open_not_followed_up,
    leads_overdue_for_decision,
    leads_overdue_for_followup,
)
from leadcourt import clock
from leadcourt.accounts import roles
from leadcourt.jobs.batches import Outcome, for_each_locked_batch
from leadcourt.jobs.report import JobReport, plural
from leadcourt.notifications.models import NotificationKind
from leads.models import Lead, LeadState
from leads.reminders import deadline_reminders_queue, leads_lacking_touches, reminder_horizon
from leads.selectors import rulebook_current

# Leads per batch (one transaction, one notification task). Large enough that
# the per-batch statements cost little per lead, small enough that a batch
# holds its leads' locks for well under a second (a rep accepting one of them
# waits that long) and keeps the worker's memory flat.
SWEEP_BATCH_SIZE = 1000


def _open_cases_in_batches(
    candidates: QuerySet[Lead], open_cases: Callable[[list[int]], list[Case]]
) -> Outcome:
    """Claim ``candidates`` in locked batches and open their cases a batch at
    a time; leads the set-based service left alone count as skipped."""
    outcome = Outcome()

    def handle(ids: list[int]) -> None:
        opened = len(open_cases(ids))
        outcome.done += opened
        outcome.skipped += len(ids) - opened

    for_each_locked_batch(candidates, handle, batch_size=SWEEP_BATCH_SIZE)
    return outcome


def _sweep_report(job: str, outcome: Outcome, reminded: int, *, flagged: str, skipped_why: str) -> JobReport:
    """The report of a sweep that flags leads (one case each) and sends reminders."""
    summary = (
        f"flagged {flagged}, opened {plural(outcome.done, 'case')}, "
        f"sent {plural(reminded, 'deadline reminder')}"
    )
    if outcome.skipped:
        summary += f" ({outcome.skipped} skipped: {skipped_why})"
    return JobReport(
        job=job,
        summary=summary,
        counts={
            "flagged": outcome.done,
            "cases_opened": outcome.done,
            "reminders": reminded,
            "skipped": outcome.skipped,
        },
    )


def sweep_decisions() -> JobReport:
    """Flag MQLs past their decision deadline as ignored (one case each), and
    remind reps whose leads' deadlines are less than ``REMINDER_HOURS`` away."""
    now = clock.now()
    rulebook = rulebook_current()
    system = roles.system_actor()
    outcome = _open_cases_in_batches(
        leads_overdue_for_decision(now),
        lambda ids: cases_open_ignored(lead_ids=ids, actor=system),
    )
    reminded = deadline_reminders_queue(
        kind=NotificationKind.DECISION_REMINDER,
        queryset=Lead.objects.filter(
            state=LeadState.MQL,
            decision_due_at__gt=now,
            decision_due_at__lte=reminder_horizon(now, rulebook),
        ),
        due_field="decision_due_at",
    )
    return _sweep_report(
        "sweep_decisions",
        outcome,
        reminded,
        flagged=plural(outcome.done, "ignored lead"),
        # Decided or reassigned since the candidate query.
        skipped_why="no longer overdue",
    )


def sweep_followups() -> JobReport:
    """Flag accepted leads past their follow-up deadline without the required
    touches (one ``not_followed_up`` case each), and remind reps whose
    under-worked leads' deadlines are less than ``REMINDER_HOURS`` away."""
    now = clock.now()
    rulebook = rulebook_current()
    system = roles.system_actor()
    outcome = _open_cases_in_batches(
        leads_overdue_for_followup(now, rulebook),
        lambda ids: cases_open_not_followed_up(lead_ids=ids, actor=system),
    )
    reminded = deadline_reminders_queue(
        kind=NotificationKind.FOLLOWUP_REMINDER,
        queryset=leads_lacking_touches(
            Lead.objects.filter(
                state=LeadState.SAL,
                followup_due_at__gt=now,
                followup_due_at__lte=reminder_horizon(now, rulebook),
            ),
            rulebook,
        ),
        due_field="followup_due_at",
    )
    return _sweep_report(
        "sweep_followups",
        outcome,
        reminded,
        flagged=f"{plural(outcome.done, 'lead')} not followed up",
        # Touched enough, moved on or reassigned since the candidate query.
        skipped_why="followed up or moved on",
    )
