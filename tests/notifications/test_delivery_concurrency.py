"""Delivery holds nothing while the mail server talks (architecture item 9):
no transaction open, no row lock held, and of two workers with the same
notification exactly one mails it.

These tests commit (``transaction=True``): inside the usual per-test
transaction every send would look "inside a transaction", and another
connection could not see the rows at all. Each thread has its own connection,
as two Celery workers would. See tests/adjudication/test_concurrency.py for
why the module also restores the migrated data afterwards.
"""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from leadcourt.notifications.models import Notification, NotificationStatus
from leadcourt.notifications.services import notification_deliver
from tests import factories
from tests.concurrency import run_at_once

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_restored", "broker_unreachable"),
]

HOLD = 0.3  # seconds a send takes; long against a thread start, short for CI


@pytest.fixture
def assignment(clock, marketer, rep) -> Notification:
    """A committed, pending "lead assigned" notification for ``rep``."""
    factories.mql(marketer, rep)
    notification = Notification.objects.get()
    assert notification.status == NotificationStatus.PENDING
    return notification


def locked_from_another_connection(notification_id: int) -> list[str]:
    """What a second worker sees when it tries to lock the row, without
    waiting: the row's status, or an error if someone holds the lock."""
    with transaction.atomic():
        return list(
            Notification.objects.select_for_update(nowait=True)
            .filter(pk=notification_id)
            .values_list("status", flat=True)
        )


def test_no_transaction_is_open_while_the_mail_is_sent(assignment, while_sending, mailoutbox):
    in_transaction = []
    while_sending(lambda: in_transaction.append(transaction.get_connection().in_atomic_block))

    assert notification_deliver(notification_id=assignment.pk) == "sent"

    assert in_transaction == [False]
    assert len(mailoutbox) == 1
    assignment.refresh_from_db()
    assert assignment.status == NotificationStatus.SENT


@pytest.mark.postgres
def test_no_row_lock_is_held_on_the_notification_while_the_mail_is_sent(
    assignment, while_sending, mailoutbox
):
    seen_by_another_worker = []
    while_sending(
        lambda: seen_by_another_worker.extend(
            run_at_once(lambda: locked_from_another_connection(assignment.pk))
        )
    )

    assert notification_deliver(notification_id=assignment.pk) == "sent"

    # Locked at once (NOWAIT did not fail), and already committed as claimed:
    # the claim is visible to every other worker before the mail goes out.
    assert seen_by_another_worker == [[NotificationStatus.SENDING]]
    assert len(mailoutbox) == 1


@pytest.mark.postgres
def test_two_workers_delivering_the_same_notification_at_once_mail_it_once(
    assignment, while_sending, mailoutbox
):
    while_sending(lambda: time.sleep(HOLD))  # the winner is still sending when the other arrives

    outcomes = run_at_once(
        lambda: notification_deliver(notification_id=assignment.pk),
        lambda: notification_deliver(notification_id=assignment.pk),
    )

    assert sorted(outcomes) == ["nothing to do", "sent"], outcomes
    assert len(mailoutbox) == 1
    assignment.refresh_from_db()
    assert assignment.status == NotificationStatus.SENT


@pytest.mark.postgres
def test_a_worker_arriving_while_another_is_sending_does_nothing(assignment, while_sending, mailoutbox):
    # Deterministic where the race above depends on timing: the second worker
    # runs, on its own connection, in the middle of the first one's send.
    sends_started, second_worker = [], []

    def another_worker_arrives() -> None:
        sends_started.append(assignment.pk)
        if len(sends_started) == 1:  # not again from inside a second send, if there were one
            second_worker.extend(run_at_once(lambda: notification_deliver(notification_id=assignment.pk)))

    while_sending(another_worker_arrives)

    assert notification_deliver(notification_id=assignment.pk) == "sent"

    assert second_worker == ["nothing to do"]
    assert (len(sends_started), len(mailoutbox)) == (1, 1)
