"""The marketer's import pages: upload form, progress page and the partial
it polls with HTMX."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leads.imports.services import lead_import_run
from leads.models import Lead, LeadImport, LeadImportStatus
from tests.imports.conftest import SALESFORCE_HEADER, csv_bytes, salesforce_rows, upload

pytestmark = pytest.mark.postgres


def test_a_marketer_uploads_a_file_and_lands_on_its_progress_page(client, marketer):
    client.force_login(marketer)
    page = client.get(reverse("lead-import"))
    assert page.status_code == 200
    assert b'enctype="multipart/form-data"' in page.content

    rows = salesforce_rows(60)
    rows[0][4] = "nope"
    response = client.post(
        reverse("lead-import"), {"file": upload(csv_bytes(SALESFORCE_HEADER, rows)), "preset": "salesforce"}
    )

    lead_import = LeadImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("lead-import-detail", args=[lead_import.pk])

    queued = client.get(response["Location"])
    assert queued.status_code == 200
    html = queued.content.decode()
    assert '<progress id="import-bar-' in html
    assert 'value="0"' in html
    assert "0 of 60 rows done" in html
    # Polls itself while the run is queued or running.
    assert f'hx-get="{reverse("lead-import-progress", args=[lead_import.pk])}"' in html
    assert 'hx-trigger="every 1s"' in html


def test_the_progress_partial_shows_counts_and_errors_and_stops_polling_when_done(client, marketer):
    rows = salesforce_rows(60)
    for row in rows[:55]:
        row[4] = "nope"  # 55 refused rows: more than one page of errors
    client.force_login(marketer)
    client.post(
        reverse("lead-import"), {"file": upload(csv_bytes(SALESFORCE_HEADER, rows)), "preset": "auto"}
    )
    lead_import = LeadImport.objects.get()
    lead_import_run(import_id=lead_import.pk, chunk_size=25)

    partial = client.get(
        reverse("lead-import-progress", args=[lead_import.pk]), headers={"HX-Request": "true"}
    )

    assert partial.status_code == 200
    html = partial.content.decode()
    assert "<html" not in html  # a fragment, not a page
    assert "hx-trigger" not in html
    assert "60 of 60 rows done (100%)" in html
    assert "5 leads" in html
    assert "55 rows" in html
    assert '<td data-label="Row">2</td>' in html
    assert "Enter a valid email address." in html
    assert "Page 1 of 2" in html

    second = client.get(reverse("lead-import-progress", args=[lead_import.pk]), {"page": 2}).content.decode()
    assert '<td data-label="Row">56</td>' in second
    assert Lead.objects.count() == 5


def test_while_running_the_page_polls_for_the_errors_page_it_shows(client, marketer):
    rows = salesforce_rows(60)
    for row in rows:
        row[4] = "nope"
    client.force_login(marketer)
    client.post(
        reverse("lead-import"), {"file": upload(csv_bytes(SALESFORCE_HEADER, rows)), "preset": "auto"}
    )
    lead_import = LeadImport.objects.get()
    lead_import_run(import_id=lead_import.pk)
    LeadImport.objects.filter(pk=lead_import.pk).update(status=LeadImportStatus.RUNNING)

    html = client.get(reverse("lead-import-detail", args=[lead_import.pk]), {"page": 2}).content.decode()

    assert f'hx-get="{reverse("lead-import-progress", args=[lead_import.pk])}?page=2"' in html
    assert "Page 2 of 2" in html


def test_a_bad_file_is_shown_on_the_form(client, marketer):
    client.force_login(marketer)

    response = client.post(
        reverse("lead-import"), {"file": upload("Id\r\nMüller\r\n".encode("latin-1")), "preset": "auto"}
    )

    assert response.status_code == 400
    assert "The file is not UTF-8 text" in response.content.decode()
    assert LeadImport.objects.count() == 0


def test_reps_cannot_open_the_import_pages(client, rep, marketer):
    client.force_login(marketer)
    client.post(reverse("lead-import"), {"file": upload(b"Id\r\n1\r\n"), "preset": "auto"})
    lead_import = LeadImport.objects.get()
    client.force_login(rep)

    assert client.get(reverse("lead-import")).status_code == 403
    assert client.post(reverse("lead-import"), {"file": upload(b"Id\r\n2\r\n")}).status_code == 403
    assert client.get(reverse("lead-import-detail", args=[lead_import.pk])).status_code == 403
    assert client.get(reverse("lead-import-progress", args=[lead_import.pk])).status_code == 403
    assert LeadImport.objects.count() == 1


def test_a_manager_sees_the_imports_but_no_upload_form(client, manager, marketer):
    client.force_login(marketer)
    client.post(reverse("lead-import"), {"file": upload(b"Id\r\n1\r\n", "march.csv"), "preset": "auto"})
    client.force_login(manager)

    page = client.get(reverse("lead-import")).content.decode()

    assert "march.csv" in page
    assert 'enctype="multipart/form-data"' not in page
    assert client.post(reverse("lead-import"), {"file": upload(b"Id\r\n2\r\n")}).status_code == 403
    assert LeadImport.objects.count() == 1


def test_an_unknown_import_is_a_404(client, marketer):
    client.force_login(marketer)
    assert client.get(reverse("lead-import-detail", args=[4242])).status_code == 404
