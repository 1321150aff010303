"""Telling every user of a queryset about many things at once
(``notifications_queue_to_every``, what the decision sweep's batch runs)
records exactly the rows that ``notifications_queue`` records for the same
notifications one by one: opted-out recipients dropped, rows already there
left alone, each subject's excluded users left out. On PostgreSQL it is one
``INSERT … SELECT``; on SQLite it is ``notifications_queue`` itself.

Also ``bulk_insert`` (the kernel's insert of many rows from plain dicts, which
the sweep uses for cases and history rows): the rows it writes are the rows
``bulk_create`` writes.
"""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from leadcourt import clock as kernel_clock
from leadcourt.accounts import roles
from leadcourt.bulk_insert import bulk_insert
from leadcourt.notifications.models import Notification, NotificationKind, NotificationOptOut
from leadcourt.notifications.services import (
    Outgoing,
    Subject,
    notifications_delivered_together,
    notifications_muted,
    notifications_queue,
    notifications_queue_to_every,
)
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(judge, manager, rep):
    return {
        "judge": judge,
        "manager": manager,
        "rep": rep,
        "judge2": make_user("judge2", roles.JUDGE),
        "retired": make_user("retired_judge", roles.JUDGE, is_active=False),
    }


def _recipients():
    return roles.active_users_with_role(roles.JUDGE) | roles.active_users_with_role(roles.MANAGER)


def _subjects(people) -> list[Subject]:
    due = kernel_clock.now() + timedelta(days=2)
    return [
        Subject(key="test:one", context={"due_at": due.isoformat(), "label": 'quote " and ünïcode'}),
        # The judge is a party to this one.
        Subject(key="test:two", context={"n": 2}, excluding=frozenset({people["judge"].pk})),
        Subject(key="test:three", excluding=frozenset({people["judge"].pk, people["manager"].pk, 10**9})),
    ]


def _one_by_one(kind, subjects) -> int:
    recipient_ids = sorted(set(_recipients().values_list("pk", flat=True)))
    return notifications_queue(
        Outgoing(kind=kind, recipient_id=user_id, key=s.key, context=s.context)
        for s in subjects
        for user_id in recipient_ids
        if user_id not in s.excluding
    )


def _rows() -> list[dict]:
    return sorted(
        ({k: v for k, v in row.items() if k != "id"} for row in Notification.objects.values()),
        key=lambda row: (row["key"], row["recipient_id"]),
    )


def _both_ways(clock, kind, people, before=lambda: None) -> tuple[tuple[int, list], tuple[int, list]]:
    """(count, rows) recorded one by one, then at once, each on the same
    setup at the same time, in a transaction rolled back afterwards."""
    start = kernel_clock.now()
    results = []
    for record in (
        lambda: _one_by_one(kind, _subjects(people)),
        lambda: notifications_queue_to_every(kind=kind, recipients=_recipients(), subjects=_subjects(people)),
    ):
        clock.set(start)
        with transaction.atomic():
            before()
            count = record()
            results.append((count, _rows()))
            transaction.set_rollback(True)
    return results[0], results[1]


def test_telling_every_recipient_at_once_records_what_telling_them_one_by_one_records(
    clock, people, broker_unreachable
):
    (count, rows), (count_at_once, rows_at_once) = _both_ways(clock, NotificationKind.CASE_OVERDUE, people)

    assert rows_at_once == rows
    assert count_at_once == count
    # What the comparison covered: judges and the manager, minus each subject's exclusions.
    told = {(row["key"], row["recipient_id"]) for row in rows_at_once}
    active = {people["judge"].pk, people["judge2"].pk, people["manager"].pk}
    assert told == (
        {("test:one", user_id) for user_id in active}
        | {("test:two", user_id) for user_id in active - {people["judge"].pk}}
        | {("test:three", people["judge2"].pk)}
    )
    assert rows_at_once[0]["status"] == "pending"
    assert rows_at_once[0]["created_at"] == kernel_clock.now()


def test_an_opted_out_recipient_and_a_row_already_recorded_are_left_alone_both_ways(
    clock, people, broker_unreachable
):
    def before():
        NotificationOptOut.objects.create(user=people["manager"], kind=NotificationKind.CASE_OVERDUE)
        notifications_queue(
            [Outgoing(kind=NotificationKind.CASE_OVERDUE, recipient_id=people["judge2"].pk, key="test:one")]
        )
        clock.advance(minutes=5)

    (count, rows), (count_at_once, rows_at_once) = _both_ways(
        clock, NotificationKind.CASE_OVERDUE, people, before
    )

    assert rows_at_once == rows
    assert count_at_once == count == 3  # judge's first, judge2's second and third (its first was there)
    assert not any(row["recipient_id"] == people["manager"].pk for row in rows_at_once)
    # The row recorded before keeps its time.
    first = next(
        r for r in rows_at_once if r["key"] == "test:one" and r["recipient_id"] == people["judge2"].pk
    )
    assert first["created_at"] == kernel_clock.now() - timedelta(minutes=5)


def test_an_essential_kind_reaches_even_a_recipient_who_turned_optional_ones_off(
    clock, people, broker_unreachable
):
    NotificationOptOut.objects.create(user=people["manager"], kind=NotificationKind.CASE_OVERDUE)

    notifications_queue_to_every(
        kind=NotificationKind.CASE_OPENED, recipients=_recipients(), subjects=_subjects(people)[:1]
    )

    assert Notification.objects.filter(recipient=people["manager"], key="test:one").exists()


def test_the_rows_go_to_the_batch_delivery_task_after_commit(
    clock, people, broker_unreachable, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
        notifications_delivered_together(),
    ):
        recorded = notifications_queue_to_every(
            kind=NotificationKind.CASE_OPENED, recipients=_recipients(), subjects=_subjects(people)
        )

    (call,) = broker_unreachable.call_args_list
    assert sorted(call.args[0]) == sorted(Notification.objects.values_list("pk", flat=True))
    assert recorded == len(call.args[0]) == 6


def test_muted_records_nothing(clock, people, broker_unreachable):
    with notifications_muted():
        assert (
            notifications_queue_to_every(
                kind=NotificationKind.CASE_OPENED, recipients=_recipients(), subjects=_subjects(people)
            )
            == 0
        )
    assert not Notification.objects.exists()


@pytest.mark.postgres
def test_on_postgresql_it_is_one_statement_whatever_the_number_of_subjects(clock, people, broker_unreachable):
    many = [Subject(key=f"test:{n}") for n in range(200)]
    with CaptureQueriesContext(connection) as queries:
        notifications_queue_to_every(
            kind=NotificationKind.CASE_OPENED, recipients=_recipients(), subjects=many
        )

    assert len(queries) == 1
    assert Notification.objects.count() == 200 * 3


# --- bulk_insert ------------------------------------------------------------------------


def test_bulk_insert_writes_the_rows_bulk_create_writes(clock, people):
    judge, manager = people["judge"], people["manager"]
    moment = kernel_clock.now() + timedelta(microseconds=123456)
    rows = [
        # A related instance or its id; JSON with quotes, unicode, nesting and a null.
        {
            "kind": NotificationKind.CASE_OPENED,
            "recipient": judge,
            "key": "test:a'b",
            "context": {"x": 'q"uote', "é": [1, None, {"z": True}]},
        },
        {"kind": NotificationKind.CASE_OPENED, "recipient": manager, "key": "test:%s", "context": {}},
        {
            "kind": NotificationKind.CASE_OPENED,
            "recipient": judge,
            "key": "test:sent",
            "context": {"at": moment.isoformat()},
        },
    ]
    for row in rows:
        row.update(claimed_at=None, sent_at=moment, subject="")

    def written(insert) -> list[dict]:
        with transaction.atomic():
            ids = insert()
            assert len(ids) == len(rows)
            found = {row["id"]: row for row in Notification.objects.values()}
            transaction.set_rollback(True)
        # In the order of the rows given.
        return [{k: v for k, v in found[pk].items() if k != "id"} for pk in ids]

    inserted = written(lambda: bulk_insert(Notification, rows))
    created = written(
        lambda: [obj.pk for obj in Notification.objects.bulk_create([Notification(**row) for row in rows])]
    )

    assert inserted == created
    assert [row["key"] for row in inserted] == ["test:a'b", "test:%s", "test:sent"]
    assert inserted[0]["sent_at"] == moment
    assert inserted[0]["status"] == "pending"  # the model's default


def test_bulk_insert_of_nothing_runs_no_query(db):
    with mock.patch.object(connection, "cursor") as cursor:
        assert bulk_insert(Notification, []) == []
    cursor.assert_not_called()
