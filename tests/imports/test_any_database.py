"""The import on whichever database the tests run on: the embedded SQLite
(``make test`` runs PostgreSQL; a developer's plain ``pytest`` may not)
takes the portable path, PostgreSQL the COPY path, and both import."""

from __future__ import annotations

import pytest
from django.db import connection

from leads.imports import services
from leads.imports.services import lead_import_run, lead_import_start
from leads.models import Lead, LeadEvent
from tests.imports.conftest import SALESFORCE_HEADER, csv_bytes, salesforce_rows, upload

pytestmark = pytest.mark.django_db


def test_the_database_chooses_the_path_and_the_rows_are_imported(marketer):
    rows = salesforce_rows(4)
    rows[1][4] = "not-an-email"
    rows[3][0] = rows[0][0]  # the first row's external id again
    started = lead_import_start(
        actor=marketer, file=upload(csv_bytes(SALESFORCE_HEADER, rows)), preset="salesforce", enqueue=False
    )

    run = lead_import_run(import_id=started.pk)

    expected = services.COPY_WRITER if connection.vendor == "postgresql" else services.ORM_WRITER
    assert services._chunk_writer() is expected
    assert (run.status, run.created_count, run.existing_count, run.refused_count) == ("done", 2, 1, 1)
    assert list(run.row_errors.values_list("row_number", "field")) == [(3, "email")]
    assert Lead.objects.count() == LeadEvent.objects.count() == 2
