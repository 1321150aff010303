"""The scheduled jobs about leads alone: appeal expiry (SPEC §8), and
sending the CSV imports the job queue refused. The sweeps that open cases
are the court's (``adjudication.sweeps``).

Plain functions returning a ``JobReport``; the Celery tasks
(``leads/tasks.py``) and ``manage.py run_job`` call them. ``expire_appeals``
selects candidates in SQL, claims them in locked batches and moves each lead through the same
service a person would use, as the system actor; a lead appealed or conceded
meanwhile is skipped quietly, so running it twice changes nothing.
"""

from __future__ import annotations

from leadcourt import clock
from leadcourt.accounts import roles
from leadcourt.jobs.batches import act_on_each_locked
from leadcourt.jobs.report import JobReport, plural
from leads.imports.sending import lead_imports_send_waiting
from leads.models import Lead, LeadState
from leads.services import lead_expire_appeal


def expire_appeals() -> JobReport:
    """Return to marketing the rejections whose appeal window closed unappealed."""
    now = clock.now()
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


def send_waiting_imports() -> JobReport:
    """Send to the job queue the imports still queued a minute after their
    last try (the queue was down when they were uploaded); each is claimed
    with a compare-and-set, so two runs of this job send each one once."""
    outcome = lead_imports_send_waiting()
    summary = f"sent {plural(outcome.sent, 'waiting import')} to the job queue"
    if outcome.unreachable:
        summary += f" ({outcome.unreachable} still waiting: the queue is unreachable)"
    return JobReport(
        job="send_waiting_imports",
        summary=summary,
        counts={"sent": outcome.sent, "unreachable": outcome.unreachable},
    )
