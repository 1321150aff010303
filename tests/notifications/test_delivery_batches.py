"""How recorded notifications are handed to the delivery task: a hundred rows
to a message for an everyday change, and one message for everything a job's
batch records (``notifications_delivered_together``), always after commit."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import transaction

from leadcourt.notifications.models import Notification, NotificationKind
from leadcourt.notifications.services import (
    DELIVERY_CHUNK,
    Outgoing,
    notifications_delivered_together,
    notifications_queue,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivery_messages():
    """The id lists handed to the delivery task, one per broker message."""
    with mock.patch("leadcourt.notifications.tasks.notification_deliver.delay") as delay:
        yield lambda: [call.args[0] for call in delay.call_args_list]


def _outgoing(user, count: int, *, start: int = 0) -> list[Outgoing]:
    return [
        Outgoing(kind=NotificationKind.CASE_OPENED, recipient_id=user.pk, key=f"test:{n}")
        for n in range(start, start + count)
    ]


def test_an_everyday_change_sends_its_rows_a_hundred_to_a_message(
    judge, delivery_messages, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notifications_queue(_outgoing(judge, DELIVERY_CHUNK * 2 + 5))

    assert [len(ids) for ids in delivery_messages()] == [DELIVERY_CHUNK, DELIVERY_CHUNK, 5]


def test_a_batch_sends_everything_it_recorded_in_one_message_after_commit(
    judge, manager, delivery_messages, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic(), notifications_delivered_together():
            notifications_queue(_outgoing(judge, DELIVERY_CHUNK + 20))
            notifications_queue(_outgoing(manager, 3))
        assert delivery_messages() == []  # not before commit
    for callback in callbacks:
        callback()

    (ids,) = delivery_messages()
    assert sorted(ids) == sorted(Notification.objects.values_list("pk", flat=True))
    assert len(ids) == DELIVERY_CHUNK + 23


def test_a_nested_batch_leaves_the_sending_to_the_outer_one(
    judge, delivery_messages, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
        notifications_delivered_together(),
    ):
        notifications_queue(_outgoing(judge, 2))
        with notifications_delivered_together():
            notifications_queue(_outgoing(judge, 2, start=2))

    assert [len(ids) for ids in delivery_messages()] == [4]


def test_a_batch_that_fails_sends_nothing_and_records_nothing(
    judge, delivery_messages, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
        notifications_delivered_together(),
    ):
        notifications_queue(_outgoing(judge, 3))
        raise RuntimeError("the batch failed half-way")

    assert delivery_messages() == []
    assert not Notification.objects.exists()


def test_a_batch_that_records_nothing_sends_no_message(delivery_messages, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
        notifications_delivered_together(),
    ):
        notifications_queue([])

    assert delivery_messages() == []
