"""The real X Education export (9,237 rows, no names or emails): every row
is imported or its refusal explained, and a second import creates nothing.

Reads ``../shared/data/x-education-leads.csv`` (or ``$LEADCOURT_SHARED_DATA``);
when it is absent, skipped with a message saying where to put the file, or
failed under ``LEADCOURT_REQUIRE_SERVICES=1`` (``make test``, CI).
"""

from __future__ import annotations

import csv

import pytest
from django.core.files import File

from leads.imports.services import lead_import_run, lead_import_start
from leads.models import Lead, LeadEvent, LeadImportRowError, LeadImportStatus, LeadState
from tests.imports.conftest import REAL_EXPORT_ROWS

pytestmark = pytest.mark.postgres


def import_export(actor, path):
    with path.open("rb") as handle:
        lead_import = lead_import_start(
            actor=actor, file=File(handle, name=path.name), preset="x-education", enqueue=False
        )
    return lead_import_run(import_id=lead_import.pk)


def test_every_row_of_the_real_export_is_imported_or_its_refusal_explained(marketer, real_export):
    first = import_export(marketer, real_export)

    assert first.status == LeadImportStatus.DONE
    assert first.total_rows == first.rows_done == REAL_EXPORT_ROWS
    refusals = LeadImportRowError.objects.filter(lead_import=first)
    # Every refused row has at least one reason; every other row is a lead.
    assert refusals.values("row_number").distinct().count() == first.refused_count
    assert first.created_count + first.refused_count == REAL_EXPORT_ROWS
    assert Lead.objects.count() == first.created_count
    assert LeadEvent.objects.count() == first.created_count
    # The export is clean: nothing is refused.
    assert first.refused_count == 0

    with real_export.open(newline="", encoding="utf-8") as handle:
        sample = next(row for row in csv.DictReader(handle) if row["Country"] and row["Lead Source"])
    lead = Lead.objects.get(external_id=sample["Prospect ID"])
    assert (lead.source, lead.country, lead.state) == (
        sample["Lead Source"],
        sample["Country"],
        LeadState.INQUIRY,
    )
    assert (lead.first_name, lead.last_name, lead.email) == ("", "", "")
    assert lead.events.get().data["origin"] == sample["Lead Origin"]

    again = import_export(marketer, real_export)

    assert again.status == LeadImportStatus.DONE
    assert (again.created_count, again.existing_count, again.refused_count) == (0, REAL_EXPORT_ROWS, 0)
    assert Lead.objects.count() == REAL_EXPORT_ROWS
    assert again.file_sha256 == first.file_sha256
