"""An upload while the job queue (the Celery broker) is unreachable: stored,
answered without a 500 and left queued; once the queue is back the
``send_waiting_imports`` job sends it, once, even when two run at once.

Transactional tests: the upload sends its task after its commit, as in
production, and the two jobs race on real row locks. The broker is made
unreachable for real: the Celery app publishes to a closed port."""

from __future__ import annotations

import socket
from unittest import mock

import pytest
import redis
from django.conf import settings
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from leadcourt.celery import app
from leads import jobs
from leads.imports.tasks import lead_import_run_task
from leads.models import Lead, LeadImport, LeadImportStatus
from tests.concurrency import run_at_once
from tests.imports.conftest import SALESFORCE_HEADER, csv_bytes, salesforce_rows, upload

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_restored"),
]

IMPORTS_QUEUE = "imports"  # where settings.CELERY_TASK_ROUTES sends the import task


def _publish_to(url: str | None) -> None:
    app.conf.broker_write_url = url
    # Drop the pooled connections and producers made for the previous URL.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_queue():
    """The real broker's imports queue, emptied before and after."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(IMPORTS_QUEUE)
    yield client
    client.delete(IMPORTS_QUEUE)


@pytest.fixture
def broker_down():
    """Publishing goes to a port nothing listens on until ``.up()``."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]

    class Broker:
        def up(self) -> None:
            _publish_to(None)

    _publish_to(f"redis://127.0.0.1:{closed_port}/0")
    yield Broker()
    _publish_to(None)


@pytest.fixture
def spy_send():
    with mock.patch.object(
        lead_import_run_task, "apply_async", wraps=lead_import_run_task.apply_async
    ) as spy:
        yield spy


def content() -> bytes:
    return csv_bytes(SALESFORCE_HEADER, salesforce_rows(3))


def test_an_api_upload_while_the_queue_is_down_is_stored_and_answered_202_waiting(
    marketer, broker_down, broker_queue, spy_send
):
    client = APIClient()
    client.force_authenticate(marketer)

    response = client.post("/api/v1/imports/leads/", {"file": upload(content())}, format="multipart")

    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["status"], body["waiting_for_queue"]) == ("queued", True)
    assert spy_send.call_count == 1  # it was tried, and refused
    lead_import = LeadImport.objects.get(pk=body["id"])
    assert lead_import.is_waiting_for_queue
    with lead_import.file.open("rb") as stored:
        assert stored.read() == content()
    assert broker_queue.llen(IMPORTS_QUEUE) == 0
    progress = client.get(body["progress_url"]).json()
    assert (progress["status"], progress["waiting_for_queue"]) == ("queued", True)


def test_a_page_upload_while_the_queue_is_down_lands_on_a_page_saying_it_waits(marketer, broker_down):
    client = Client()
    client.force_login(marketer)

    response = client.post(reverse("lead-import"), {"file": upload(content()), "preset": "auto"})

    lead_import = LeadImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("lead-import-detail", args=[lead_import.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "Waiting for the import queue" in html
    assert "there is no need to upload it again" in html
    assert 'hx-trigger="every 1s"' in html  # it keeps watching
    assert "Waiting for the import queue" in client.get(reverse("lead-import")).content.decode()


def test_with_the_queue_up_the_upload_sends_its_task_once(marketer, broker_queue, spy_send):
    client = APIClient()
    client.force_authenticate(marketer)

    body = client.post("/api/v1/imports/leads/", {"file": upload(content())}, format="multipart").json()

    assert body["waiting_for_queue"] is False
    assert spy_send.call_count == 1
    assert broker_queue.llen(IMPORTS_QUEUE) == 1
    assert LeadImport.objects.get().sent_at is not None


def test_once_the_queue_is_back_two_jobs_at_once_send_the_waiting_import_once(
    marketer, broker_down, broker_queue, spy_send, clock
):
    client = APIClient()
    client.force_authenticate(marketer)
    import_id = client.post("/api/v1/imports/leads/", {"file": upload(content())}, format="multipart").json()[
        "id"
    ]
    spy_send.reset_mock()

    # Within the minute the job leaves it alone (the upload's try is recent).
    broker_down.up()
    clock.advance(seconds=30)
    assert jobs.send_waiting_imports().counts == {"sent": 0, "unreachable": 0}
    spy_send.assert_not_called()

    clock.advance(seconds=31)
    first, second = run_at_once(jobs.send_waiting_imports, jobs.send_waiting_imports)

    assert sorted(report.counts["sent"] for report in (first, second)) == [0, 1]
    assert spy_send.call_count == 1
    assert spy_send.call_args.args[0] == (import_id,)
    assert broker_queue.llen(IMPORTS_QUEUE) == 1
    lead_import = LeadImport.objects.get(pk=import_id)
    assert not lead_import.is_waiting_for_queue
    assert lead_import.sent_at == lead_import.send_tried_at == clock.now()
    # What the worker then does: the import runs as any other.
    assert lead_import_run_task(import_id)["created"] == 3
    assert Lead.objects.count() == 3
    clock.advance(minutes=5)
    assert jobs.send_waiting_imports().counts["sent"] == 0  # done: never sent again


def test_while_the_queue_stays_down_the_job_tries_again_every_minute(marketer, broker_down, spy_send, clock):
    client = APIClient()
    client.force_authenticate(marketer)
    import_id = client.post("/api/v1/imports/leads/", {"file": upload(content())}, format="multipart").json()[
        "id"
    ]

    clock.advance(minutes=1)
    report = jobs.send_waiting_imports()
    again = jobs.send_waiting_imports()  # at the same moment: not due any more

    assert report.counts == {"sent": 0, "unreachable": 1}
    assert "1 still waiting: the queue is unreachable" in str(report)
    assert again.counts == {"sent": 0, "unreachable": 0}
    assert spy_send.call_count == 2  # the upload's try, the job's
    lead_import = LeadImport.objects.get(pk=import_id)
    assert (lead_import.status, lead_import.is_waiting_for_queue) == (LeadImportStatus.QUEUED, True)
    assert lead_import.send_tried_at == clock.now()


def test_an_import_run_without_the_queue_is_never_sent_by_the_job(marketer, spy_send, clock):
    """``manage.py import_leads`` runs its import itself (``enqueue=False``)."""
    from leads.imports.services import lead_import_start

    lead_import_start(actor=marketer, file=upload(content()), enqueue=False)
    clock.advance(hours=1)

    assert jobs.send_waiting_imports().counts == {"sent": 0, "unreachable": 0}
    spy_send.assert_not_called()
