"""The ``requeue_notifications`` job (every minute): a notification whose
delivery task was lost (the broker refused it at commit, a worker died with
it) is mailed within minutes, not at the next hourly job, and only once."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest

from leadcourt.jobs.registry import JOBS
from leadcourt.notifications.models import Notification, NotificationStatus
from leadcourt.notifications.services import STALE_AFTER
from leadcourt.notifications.tasks import notification_deliver
from tests import factories

pytestmark = pytest.mark.django_db


def test_stale_after_is_a_couple_of_minutes():
    # The job runs every minute: a lost delivery goes out within about three.
    assert timedelta(minutes=1) <= STALE_AFTER <= timedelta(minutes=2)
    assert JOBS["requeue_notifications"].schedule == "every minute"


def test_a_notification_whose_task_was_lost_is_mailed_by_the_first_run_two_minutes_on(
    clock, marketer, rep, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    # Recorded and committed; the message handed to the broker was lost.
    with (
        mock.patch.object(notification_deliver, "delay") as lost_handoff,
        django_capture_on_commit_callbacks(execute=True),
    ):
        lead = factories.mql(marketer, rep)
    lost = Notification.objects.get(lead=lead)
    assert lost_handoff.call_args.args == ([lost.pk],)
    job = JOBS["requeue_notifications"].load()
    clock.advance(seconds=STALE_AFTER.total_seconds() - 1)

    with django_capture_on_commit_callbacks(execute=True):
        too_early = job()  # its delivery task may still be on its way

    assert too_early.counts == {"requeued": 0}
    assert mailoutbox == []
    clock.advance(seconds=2)

    with django_capture_on_commit_callbacks(execute=True):
        report = job()

    assert str(report) == "re-queued 1 undelivered notification"
    lost.refresh_from_db()
    assert (lost.status, lost.sent_at) == (NotificationStatus.SENT, clock.now())
    assert [mail.to for mail in mailoutbox] == [[rep.email]]


def test_running_the_job_again_mails_nobody_twice(
    clock, marketer, rep, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    # Recorded, never handed to a worker (no commit in this test).
    notification = Notification.objects.get(lead=factories.mql(marketer, rep))
    clock.advance(minutes=3)
    job = JOBS["requeue_notifications"].load()

    with django_capture_on_commit_callbacks(execute=True):
        first = job()
    with django_capture_on_commit_callbacks(execute=True):
        second = job()

    assert (first.counts, second.counts) == ({"requeued": 1}, {"requeued": 0})
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert len(mailoutbox) == 1
