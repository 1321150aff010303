"""The Celery task: thin, idempotent when re-delivered, retried on transient
database errors, and marking the run failed when retries run out."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError

from leads.imports import tasks
from leads.imports.services import lead_import_start
from leads.imports.tasks import lead_import_run_task
from leads.models import Lead, LeadImport, LeadImportStatus
from tests.imports.conftest import SALESFORCE_HEADER, csv_bytes, salesforce_rows, upload

pytestmark = pytest.mark.postgres


@pytest.fixture
def queued(marketer) -> LeadImport:
    return lead_import_start(
        actor=marketer, file=upload(csv_bytes(SALESFORCE_HEADER, salesforce_rows(3))), enqueue=False
    )


def test_the_task_imports_the_run_it_is_given(queued):
    outcome = lead_import_run_task(queued.pk)

    assert outcome == {"status": "done", "rows_done": 3, "created": 3, "existing": 0, "refused": 0}
    assert Lead.objects.count() == 3


def test_a_redelivered_task_changes_nothing(queued):
    lead_import_run_task(queued.pk)

    outcome = lead_import_run_task(queued.pk)

    assert outcome["created"] == 3
    assert Lead.objects.count() == 3


def test_a_task_for_a_deleted_run_returns_quietly(db):
    assert lead_import_run_task(987654) is None


def test_the_task_is_registered_with_the_celery_app():
    from leadcourt.celery import app

    app.loader.import_default_modules()
    assert "leads.imports.tasks.lead_import_run" in app.tasks
    assert lead_import_run_task.acks_late is True


def test_a_transient_database_error_is_retried_and_the_run_resumes(queued):
    real_run = tasks.lead_import_run
    attempts = []

    def lost_connection_once(**kwargs):
        attempts.append(1)
        if len(attempts) == 1:
            raise OperationalError("connection lost")
        return real_run(**kwargs)

    with mock.patch.object(tasks, "lead_import_run", side_effect=lost_connection_once) as run:
        result = lead_import_run_task.apply(args=[queued.pk])

    assert result.successful()
    assert run.call_count == 2
    queued.refresh_from_db()
    assert (queued.status, queued.created_count) == (LeadImportStatus.DONE, 3)


def test_when_retries_run_out_the_run_is_marked_failed(queued):
    with mock.patch.object(tasks, "lead_import_run", side_effect=OperationalError("connection lost")) as run:
        result = lead_import_run_task.apply(args=[queued.pk])

    assert result.failed()
    assert run.call_count == 1 + lead_import_run_task.max_retries
    queued.refresh_from_db()
    assert queued.status == LeadImportStatus.FAILED
    assert "The database stayed unavailable: connection lost" in queued.failure
