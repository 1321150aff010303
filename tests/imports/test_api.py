"""POST /api/v1/imports/leads/ and the progress endpoints (SPEC §9)."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from leads.imports.services import lead_import_run
from leads.models import Lead, LeadImport, LeadImportStatus
from tests.imports.conftest import SALESFORCE_HEADER, csv_bytes, salesforce_rows, upload

pytestmark = pytest.mark.postgres

URL = "/api/v1/imports/leads/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post(user, content: bytes, name: str = "leads.csv", **data):
    return client_for(user).post(URL, {"file": upload(content, name), **data}, format="multipart")


def test_a_marketer_uploads_a_csv_and_follows_its_progress(marketer, django_capture_on_commit_callbacks):
    rows = salesforce_rows(3)
    rows[1][4] = "broken@"
    with django_capture_on_commit_callbacks() as callbacks:
        response = post(marketer, csv_bytes(SALESFORCE_HEADER, rows), preset="salesforce")

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued"
    assert (body["total_rows"], body["rows_done"], body["created"]) == (3, 0, 0)
    assert body["mapping"]["external_id"] == "Id"
    assert body["progress_url"] == f"http://testserver{URL}{body['id']}/"
    assert response["Location"] == body["progress_url"]
    assert len(callbacks) == 1  # the task is sent once the run is committed

    lead_import_run(import_id=body["id"])  # what the worker does
    progress = client_for(marketer).get(body["progress_url"])

    assert progress.status_code == 200
    done = progress.json()
    assert done["status"] == "done"
    assert (done["rows_done"], done["created"], done["existing"], done["refused"]) == (3, 2, 0, 1)
    assert done["percent_done"] == 100
    assert done["row_errors"] == [
        {"row": 3, "field": "email", "message": "Enter a valid email address.", "value": "broken@"}
    ]
    assert done["row_errors_total"] == 1

    errors = client_for(marketer).get(done["errors_url"])
    assert errors.status_code == 200
    assert errors.json()["count"] == 1
    assert errors.json()["results"][0]["row"] == 3


def test_a_mapping_given_as_json_overrides_the_preset(marketer):
    content = csv_bytes(["Ref", "Organisation name"], [["r-1", "Acme"]])

    response = post(
        marketer, content, mapping=json.dumps({"external_id": "Ref", "company": "Organisation name"})
    )

    assert response.status_code == 202, response.content
    lead_import_run(import_id=response.json()["id"])
    assert Lead.objects.get().company == "Acme"


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.png", "This is not a text file"),
        (b"PK\x03\x04\x14\x00\x06\x00", "leads.xlsx", "This is a spreadsheet (e.g. .xlsx), not a CSV file"),
        ("Id,Company\r\n1,Müller\r\n".encode("cp1252"), "leads.csv", "The file is not UTF-8 text"),
        (b"Id,Company\r\n", "leads.csv", "The file has a header row but no data rows."),
    ],
)
def test_a_file_that_is_not_a_usable_csv_is_a_400_with_a_clear_message(marketer, content, name, message):
    response = post(marketer, content, name)

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert message in body["errors"]["file"][0]
    assert LeadImport.objects.count() == 0


def test_an_empty_upload_is_a_400(marketer):
    response = post(marketer, b"")

    assert response.status_code == 400
    assert response.json()["errors"]["file"] == ["The submitted file is empty."]


def test_a_missing_file_or_unknown_preset_or_bad_mapping_is_a_400(marketer):
    client = client_for(marketer)
    assert client.post(URL, {}, format="multipart").json()["errors"]["file"] == ["No file was submitted."]
    response = post(marketer, b"Id\r\n1\r\n", preset="pipedrive")
    assert response.status_code == 400
    assert "preset" in response.json()["errors"]
    response = post(marketer, b"Id\r\n1\r\n", mapping=json.dumps({"company": "Nope"}))
    assert response.status_code == 400
    assert response.json()["errors"]["mapping"] == ["The file has no column 'Nope' (for company)."]


def test_a_rep_may_not_import_nor_see_imports(rep, marketer):
    response = post(rep, b"Id\r\n1\r\n")

    assert response.status_code == 403
    assert response.json() == {"error": "forbidden", "detail": "Only marketers may import leads."}
    assert LeadImport.objects.count() == 0

    theirs = post(marketer, b"Id\r\n1\r\n").json()
    assert client_for(rep).get(f"{URL}{theirs['id']}/").status_code == 403


def test_a_manager_sees_imports_but_may_not_upload(manager, marketer):
    theirs = post(marketer, b"Id\r\n1\r\n").json()

    assert client_for(manager).get(f"{URL}{theirs['id']}/").status_code == 200
    assert post(manager, b"Id\r\n1\r\n").status_code == 403


def test_an_unknown_import_is_a_404(marketer):
    response = client_for(marketer).get(f"{URL}424242/")

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_anonymous_callers_are_refused(db):
    response = APIClient().post(URL, {"file": upload(b"Id\r\n1\r\n")}, format="multipart")
    assert response.status_code == 401


def test_a_failed_run_reports_why(marketer):
    body = post(marketer, b"Id\r\n1\r\n").json()
    LeadImport.objects.filter(pk=body["id"]).update(status=LeadImportStatus.FAILED, failure="Disk on fire.")

    progress = client_for(marketer).get(body["progress_url"]).json()

    assert (progress["status"], progress["failure"]) == ("failed", "Disk on fire.")
