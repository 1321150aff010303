"""The scheduled job about leads alone (SPEC §8): appeal expiry. The sweeps
that open cases are the court's (``adjudication.sweeps``).

A plain function returning a ``JobReport``; the Celery task
(``leads/tasks.py``) and ``manage.py run_job`` call it. It selects candidates
in SQL, claims them in locked batches and moves each lead through the same
service a person would use, as the system actor; a lead appealed or conceded
meanwhile is skipped quietly, so running it twice changes nothing.
"""

from __future__ import annotations

from leadcourt import clock
from leadcourt.accounts import roles
from leadcourt.jobs.batches import act_on_each_locked
from leadcourt.jobs.report import JobReport, plural
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
