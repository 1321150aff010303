"""The scheduled jobs about leads (SPEC §8): the decision sweep, the
follow-up sweep and appeal expiry.

Each is a plain function returning a ``JobReport``; Celery tasks
(``leads/tasks.py``) and ``manage.py run_job`` call them. They read the time
from ``timezone.now()`` only, select candidates in SQL, claim them in locked
batches (``leadcourt.jobs.batches``) and move each lead through the same
service a person would use, acting as the system actor. The service locks
and re-checks the lead: one that is no longer overdue (accepted a second
ago, say) is skipped quietly. Running a job twice, or on two workers at
once, therefore changes nothing the second time.
"""

from __future__ import annotations

from django.db.models import Case as SQLCase
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from adjudication.services import case_open_ignored, case_open_not_followed_up
from leadcourt.accounts import roles
from leadcourt.jobs.batches import Outcome, act_on_each_locked, for_each_locked_batch
from leadcourt.jobs.report import JobReport, plural
from leadcourt.notifications import events as notify
from leadcourt.notifications.models import NotificationKind
from leads.deadlines import deadline_after_hours
from leads.models import Lead, LeadState, RulebookVersion, Touch
from leads.selectors import rulebook_current
from leads.services import lead_expire_appeal

# Reps are reminded once a deadline is less than one working day away (or 8
# plain hours when the rulebook does not count business hours): enough to
# act on it the same day, late enough not to nag about fresh leads.
REMINDER_HOURS = 8


def _reminder_horizon(now, rulebook: RulebookVersion):
    return deadline_after_hours(now, REMINDER_HOURS, business_hours_only=rulebook.business_hours_only)


def _leads_lacking_touches(queryset, rulebook: RulebookVersion):
    """Accepted leads with fewer follow-up touches (since the current round
    began) than the rulebook requires for their grade, computed in SQL. The
    service re-counts each one before acting."""
    done = Coalesce(
        Subquery(
            Touch.objects.filter(lead=OuterRef("pk"), occurred_at__gte=OuterRef("followup_started_at"))
            .order_by()
            .values("lead")
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )
    required = SQLCase(
        When(criteria_count__gte=rulebook.grade_a_min_criteria, then=Value(rulebook.touches_grade_a)),
        default=Value(rulebook.touches_grade_b),
        output_field=IntegerField(),
    )
    # A lead without a round start (none in practice) counts all its touches
    # in the service; keep it a candidate and let the service decide.
    return queryset.alias(done=done, required=required).filter(
        Q(done__lt=F("required")) | Q(followup_started_at__isnull=True)
    )


def _remind(*, kind: str, queryset, due_field: str) -> int:
    """Record one reminder per lead and deadline for the leads of ``queryset``."""
    reminded = 0

    def remind(ids: list[int]) -> None:
        nonlocal reminded
        rows = Lead.objects.filter(pk__in=ids, assigned_rep__isnull=False).values_list(
            "pk", "assigned_rep_id", due_field
        )
        reminded += notify.deadline_reminders(kind=kind, leads=rows)

    for_each_locked_batch(queryset, remind)
    return reminded


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
    now = timezone.now()
    rulebook = rulebook_current()
    system = roles.system_actor()
    outcome = act_on_each_locked(
        Lead.objects.filter(state=LeadState.MQL, decision_due_at__lte=now),
        lambda pk: case_open_ignored(lead=Lead(pk=pk), actor=system),
    )
    reminded = _remind(
        kind=NotificationKind.DECISION_REMINDER,
        queryset=Lead.objects.filter(
            state=LeadState.MQL,
            decision_due_at__gt=now,
            decision_due_at__lte=_reminder_horizon(now, rulebook),
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
    now = timezone.now()
    rulebook = rulebook_current()
    system = roles.system_actor()
    accepted = Lead.objects.filter(state=LeadState.SAL)
    outcome = act_on_each_locked(
        _leads_lacking_touches(accepted.filter(followup_due_at__lte=now), rulebook),
        lambda pk: case_open_not_followed_up(lead=Lead(pk=pk), actor=system),
    )
    reminded = _remind(
        kind=NotificationKind.FOLLOWUP_REMINDER,
        queryset=_leads_lacking_touches(
            accepted.filter(followup_due_at__gt=now, followup_due_at__lte=_reminder_horizon(now, rulebook)),
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


def expire_appeals() -> JobReport:
    """Return to marketing the rejections whose appeal window closed unappealed."""
    now = timezone.now()
    system = roles.system_actor()
    # Appealed or conceded since the candidate query: skipped.
    outcome = act_on_each_locked(
        Lead.objects.filter(state=LeadState.REJECTED, appeal_due_at__lte=now),
        lambda pk: lead_expire_appeal(lead=Lead(pk=pk), actor=system),
    )
    returned, skipped = outcome.done, outcome.skipped
    summary = f"returned {plural(returned, 'rejected lead')} to marketing (appeal window closed)"
    if skipped:
        summary += f" ({skipped} skipped: appealed or conceded meanwhile)"
    return JobReport(job="expire_appeals", summary=summary, counts={"returned": returned, "skipped": skipped})
