"""A real Celery worker process over Redis runs the decision sweep that beat
would send, and mails the judge about the new case, end to end
(``tests/jobs/workers.py``). It runs on the real clock; the lead's deadline
is in January 2025, long past.
"""

from __future__ import annotations

import pytest

from adjudication import tasks
from adjudication.models import Case, CaseKind
from leadcourt.notifications.models import Notification, NotificationKind, NotificationStatus
from leads.models import LeadState
from tests import factories
from tests.jobs.workers import Worker, broker_emptied

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_restored"),
]

WAIT_SECONDS = 90


@pytest.fixture
def worker(tmp_path):
    """A worker on the test database and this run's broker; mail goes to files."""
    broker_emptied()
    worker = Worker(tmp_path, "jobs-test")
    yield worker
    worker.stop()


def test_a_worker_runs_the_decision_sweep_and_mails_the_judge(clock, marketer, rep, judge, worker):
    lead = factories.mql(marketer, rep, first_name="Grace", last_name="Hopper")

    tasks.sweep_decisions.delay()

    def judge_was_mailed() -> bool:
        return f"To: {judge.email}" in worker.mails()

    worker.wait_for(judge_was_mailed, seconds=WAIT_SECONDS, what="the judge's mail")
    lead.refresh_from_db()
    assert lead.state == LeadState.IN_REVIEW
    case = Case.objects.get(lead=lead)
    assert case.kind == CaseKind.IGNORED
    mail = worker.mails()
    assert f"Subject: New case #{case.pk} (ignored lead): Grace Hopper" in mail
    assert f"/cases/{case.pk}/" in mail
    told = Notification.objects.get(kind=NotificationKind.CASE_OPENED, recipient=judge)
    assert (told.status, told.case) == (NotificationStatus.SENT, case)
    # The rep's assignment mail, queued when the lead was qualified, went out too.
    assert f"To: {rep.email}" in mail
    assert "Traceback" not in worker.log()
