"""The primary/replica router (leadcourt/db_router.py): reads go to the
replica only from an explicit replica scope, with a replica configured, and
never inside a transaction or after a write; writes aimed at the replica
raise. In tests the "replica" alias mirrors the test database (settings:
TEST MIRROR), so a second connection to the same database stands in for it.
"""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django_celery_beat.models import IntervalSchedule

from leadcourt.accounts.models import User
from leadcourt.db_router import (
    DEFAULT,
    REPLICA,
    ReplicaWriteError,
    replica_reads,
    statement_reads_only,
)

pytestmark = pytest.mark.django_db(databases=[DEFAULT, REPLICA])


@pytest.fixture
def replica_enabled(settings):
    settings.READ_REPLICA_ENABLED = True


def test_without_a_replica_reads_stay_on_the_primary_even_in_a_replica_scope(settings):
    settings.READ_REPLICA_ENABLED = False
    with replica_reads():
        assert IntervalSchedule.objects.all().db == DEFAULT


def test_reads_go_to_the_replica_only_inside_a_replica_scope(replica_enabled):
    assert IntervalSchedule.objects.all().db == DEFAULT
    with replica_reads():
        assert IntervalSchedule.objects.all().db == REPLICA
    assert IntervalSchedule.objects.all().db == DEFAULT


def test_a_read_in_a_replica_scope_runs_on_the_replica_connection(replica_enabled):
    with (
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connections[DEFAULT]) as on_primary,
        replica_reads(),
    ):
        list(IntervalSchedule.objects.all())
    assert len(on_replica) == 1
    assert len(on_primary) == 0


def test_who_is_asking_is_always_read_from_the_primary(replica_enabled):
    with replica_reads():
        assert User.objects.all().db == DEFAULT
        assert Session.objects.all().db == DEFAULT
        assert IntervalSchedule.objects.all().db == REPLICA


def test_reads_inside_a_transaction_stay_on_the_primary(replica_enabled):
    with replica_reads():
        with transaction.atomic():
            assert IntervalSchedule.objects.all().db == DEFAULT
        assert IntervalSchedule.objects.all().db == REPLICA


def test_after_a_write_the_rest_of_the_scope_reads_from_the_primary(replica_enabled):
    with replica_reads():
        assert IntervalSchedule.objects.all().db == REPLICA
        IntervalSchedule.objects.create(every=7, period=IntervalSchedule.MINUTES)
        assert IntervalSchedule.objects.all().db == DEFAULT
        with replica_reads():  # a nested scope shares the outer one's write
            assert IntervalSchedule.objects.all().db == DEFAULT
    with replica_reads():  # a new scope starts clean
        assert IntervalSchedule.objects.all().db == REPLICA


def test_an_update_marks_the_scope_as_written(replica_enabled):
    with replica_reads():
        IntervalSchedule.objects.filter(every=-1).update(every=-2)
        assert IntervalSchedule.objects.all().db == DEFAULT


def test_writes_are_routed_to_the_primary_inside_a_replica_scope(replica_enabled):
    with CaptureQueriesContext(connections[REPLICA]) as on_replica, replica_reads():
        schedule = IntervalSchedule.objects.create(every=3, period=IntervalSchedule.HOURS)
    assert schedule._state.db == DEFAULT
    assert len(on_replica) == 0


@pytest.mark.parametrize(
    "write",
    [
        lambda: IntervalSchedule.objects.using(REPLICA).filter(every=-1).update(every=-2),
        # (QuerySet.delete() of no rows sends no DELETE at all: raw SQL instead.)
        lambda: (
            connections[REPLICA]
            .cursor()
            .execute("DELETE FROM django_celery_beat_intervalschedule WHERE every = -1")
        ),
        lambda: IntervalSchedule.objects.using(REPLICA).create(every=5, period=IntervalSchedule.DAYS),
        lambda: IntervalSchedule(every=6, period=IntervalSchedule.DAYS).save(using=REPLICA),
    ],
    ids=["update", "delete", "create", "save-using"],
)
def test_sql_writes_on_the_replica_connection_raise(write):
    with pytest.raises(ReplicaWriteError):
        write()


def test_row_locks_on_the_replica_connection_raise():
    with pytest.raises(ReplicaWriteError), transaction.atomic(using=REPLICA):
        list(IntervalSchedule.objects.using(REPLICA).select_for_update())


def test_plain_reads_on_the_replica_connection_are_allowed():
    assert IntervalSchedule.objects.using(REPLICA).filter(every=-1).count() == 0


@pytest.mark.parametrize(
    ("sql", "reads_only"),
    [
        ('SELECT "x"."id" FROM "x" WHERE "x"."updated_at" > %s', True),
        ("  select 1", True),
        ("WITH a AS (SELECT 1) SELECT * FROM a", True),
        ("SAVEPOINT s1", True),
        ("RELEASE SAVEPOINT s1", True),
        ("SET CONSTRAINTS ALL IMMEDIATE", True),
        ('SELECT "x"."id" FROM "x" FOR UPDATE SKIP LOCKED', False),
        ('SELECT "x"."id" FROM "x" FOR NO KEY UPDATE', False),
        ('SELECT "x"."id" FROM "x" FOR SHARE', False),
        ("WITH a AS (UPDATE x SET y = 1 RETURNING id) SELECT * FROM a", False),
        ('INSERT INTO "x" ("id") VALUES (%s)', False),
        ('UPDATE "x" SET "y" = 1', False),
        ('DELETE FROM "x"', False),
        ("SELECT pg_advisory_xact_lock(1)", True),  # harmless on a standby, and allowed there
        ("CREATE TABLE y (id int)", False),
    ],
)
def test_statement_reads_only(sql, reads_only):
    assert statement_reads_only(sql) is reads_only


@pytest.mark.postgres
@pytest.mark.django_db(databases=[DEFAULT, REPLICA], transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("migrated_data_restored")
class TestCommittedRows:
    """With committed rows the mirror connection really reads them."""

    def test_the_replica_reads_committed_rows(self, replica_enabled):
        IntervalSchedule.objects.create(every=11, period=IntervalSchedule.SECONDS)
        with replica_reads():
            assert list(IntervalSchedule.objects.filter(every=11).values_list("every", flat=True)) == [11]

    def test_saving_an_instance_read_from_the_replica_raises(self, replica_enabled):
        IntervalSchedule.objects.create(every=12, period=IntervalSchedule.SECONDS)
        with replica_reads():
            schedule = IntervalSchedule.objects.get(every=12)
        assert schedule._state.db == REPLICA
        schedule.every = 13
        with pytest.raises(ReplicaWriteError, match="may be stale"):
            schedule.save()
        assert IntervalSchedule.objects.filter(every=12).exists()
