"""A worker killed with SIGKILL in the middle of a sweep: its task is never
acknowledged, Redis hands it to another worker once the visibility timeout
has passed, and that worker finishes the sweep without doing anything twice.

The timeout is five minutes in production (``leadcourt/settings.py``); here
the workers run with a few seconds, so that the test takes seconds too. The
first worker is killed at a known point: the test has inserted, and not
committed, the deadline reminder that the sweep records last, so the sweep's
first batch (the ignored leads' cases) has committed and the reminder's
insert waits, inside the worker's open transaction, when the worker dies.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from adjudication import tasks
from adjudication.models import Case
from leadcourt.accounts import roles
from leadcourt.notifications.models import Notification, NotificationKind, NotificationStatus
from leads.models import Lead, LeadEvent, LeadState
from tests import factories
from tests.conftest import make_user
from tests.jobs.workers import Worker, broker_emptied, worker_database_url

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_restored"),
]

VISIBILITY_SECONDS = 5
# What the issue asks: the killed worker's work is done within two minutes.
FINISHED_WITHIN = timedelta(minutes=2)
OVERDUE = 3


class SameRowUncommitted:
    """A transaction of the test's own, on its own connection, that has
    inserted (and not committed) the notification the sweep is about to
    record: the sweep's ``INSERT … ON CONFLICT DO NOTHING`` waits to learn
    whether this row commits. (A lock on a row that the notification only
    references would not do: Django's foreign keys are checked at commit.)"""

    def __init__(self, *, recipient_id: int, key: str, lead_id: int) -> None:
        self.connection = psycopg.connect(worker_database_url())
        self.connection.execute(
            f"INSERT INTO {Notification._meta.db_table} "  # noqa: S608
            "(kind, recipient_id, key, lead_id, context, status, created_at, subject, skip_reason) "
            "VALUES (%s, %s, %s, %s, '{}', 'pending', now(), '', '')",
            [NotificationKind.DECISION_REMINDER, recipient_id, key, lead_id],
        )
        self.pid = self.connection.execute("SELECT pg_backend_pid()").fetchone()[0]

    def waiters(self) -> int:
        """Other sessions waiting for this transaction to end."""
        with psycopg.connect(worker_database_url(), autocommit=True) as watcher:
            return watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", [self.pid]
            ).fetchone()[0]

    def roll_back(self) -> None:
        self.connection.rollback()
        self.connection.close()


@pytest.fixture
def workers(tmp_path):
    broker_emptied()
    started: list[Worker] = []

    def start(name: str) -> Worker:
        worker = Worker(tmp_path / name, name, CELERY_BROKER_VISIBILITY_TIMEOUT=str(VISIBILITY_SECONDS))
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.stop()


def test_a_sweep_killed_mid_run_is_finished_by_another_worker_without_doing_anything_twice(
    clock, marketer, rep, judge, workers
):
    # Leads long overdue (January 2025, on the real clock the workers read) ...
    overdue = [factories.mql(marketer, rep, first_name=f"Overdue{n}") for n in range(OVERDUE)]
    # ... and one the other rep holds, due in half an hour: the sweep reminds them.
    soon = factories.mql(marketer, rep, first_name="Soon")
    Lead.objects.filter(pk=soon.pk).update(decision_due_at=datetime.now(UTC) + timedelta(minutes=30))
    other_rep = make_user("other_rep", roles.SALES_REP)  # after routing: it is rep's
    Lead.objects.filter(pk=soon.pk).update(assigned_rep=other_rep)
    due = Lead.objects.values_list("decision_due_at", flat=True).get(pk=soon.pk)
    blocker = SameRowUncommitted(
        recipient_id=other_rep.pk,
        key=f"decision_reminder:lead{soon.pk}:due{due.isoformat()}",
        lead_id=soon.pk,
    )
    first = workers("first")
    task_id = str(uuid.uuid4())
    tasks.sweep_decisions.apply_async(task_id=task_id)

    try:
        first.wait_for(lambda: blocker.waiters() > 0, seconds=90, what="the sweep reaching the reminder")
        # Half done: the ignored leads' cases committed, the reminder not.
        assert Case.objects.filter(lead__in=overdue).count() == OVERDUE
        assert not Notification.objects.filter(kind=NotificationKind.DECISION_REMINDER).exists()
        first.kill()
    finally:
        # The dead worker's session goes on once this transaction is over,
        # finds its client gone and rolls back.
        blocker.roll_back()
    killed_at = time.monotonic()
    assert f"adjudication.tasks.sweep_decisions[{task_id}] received" in first.log()
    assert f"adjudication.tasks.sweep_decisions[{task_id}] succeeded" not in first.log()

    second = workers("second")

    def reminder_mailed() -> bool:
        return Notification.objects.filter(
            kind=NotificationKind.DECISION_REMINDER, status=NotificationStatus.SENT
        ).exists()

    second.wait_for(reminder_mailed, seconds=FINISHED_WITHIN.total_seconds(), what="the rest of the sweep")
    assert time.monotonic() - killed_at < FINISHED_WITHIN.total_seconds()
    # The same message, handed over once the first worker's claim on it lapsed.
    assert f"adjudication.tasks.sweep_decisions[{task_id}] received" in second.log()
    assert f"adjudication.tasks.sweep_decisions[{task_id}] succeeded" in second.log()
    # Done once: one case and one history row per ignored lead, one reminder.
    assert Case.objects.filter(lead__in=overdue).count() == OVERDUE
    assert LeadEvent.objects.filter(transition="flag_ignored").count() == OVERDUE
    assert set(Lead.objects.filter(pk__in=[lead.pk for lead in overdue]).values_list("state", flat=True)) == {
        LeadState.IN_REVIEW
    }
    reminder = Notification.objects.get(kind=NotificationKind.DECISION_REMINDER)
    assert (reminder.recipient, reminder.lead_id, reminder.status) == (
        other_rep,
        soon.pk,
        NotificationStatus.SENT,
    )
    # The judge's mails, queued when the first batch committed, were sent by
    # the second worker, once each.
    second.wait_for(
        lambda: second.mails().count(f"To: {judge.email}") == OVERDUE, seconds=30, what="the judge's mails"
    )
    told = Notification.objects.filter(kind=NotificationKind.CASE_OPENED, recipient=judge)
    assert sorted(told.values_list("status", flat=True)) == [NotificationStatus.SENT] * OVERDUE
    assert "Traceback" not in second.log()
