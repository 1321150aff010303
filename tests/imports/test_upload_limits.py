"""A body too large for the import is refused while it arrives, before it is
stored or read whole: from its Content-Length before any byte is read, by
counting the file's bytes as they are parsed otherwise, and a chunked body
(no length) is refused as such. JSON in the API, a form error on the page."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from leads.imports import upload_limits
from leads.models import LeadImport
from tests.imports.conftest import SALESFORCE_HEADER, csv_bytes, salesforce_rows

pytestmark = pytest.mark.postgres

API_URL = "/api/v1/imports/leads/"
BOUNDARY = "----limit-test-boundary"
MB = 1024 * 1024


class MultipartBody(io.RawIOBase):
    """A multipart body with one CSV file of ``file_bytes`` bytes, made as it
    is read (nothing held in memory); ``bytes_read`` says how far the server
    got."""

    def __init__(self, file_bytes: int):
        super().__init__()
        self._head = (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="preset"\r\n\r\nauto\r\n'
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        self._tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self._rows = csv_bytes(SALESFORCE_HEADER, salesforce_rows(1))
        self.file_bytes = file_bytes
        self.length = len(self._head) + file_bytes + len(self._tail)
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def _piece(self, position: int, size: int) -> bytes:
        head, file_end = len(self._head), len(self._head) + self.file_bytes
        if position < head:
            return self._head[position : position + size]
        if position >= file_end:
            return self._tail[position - file_end : position - file_end + size]
        offset, size = position - head, min(size, file_end - position)
        if offset < len(self._rows):
            return self._rows[offset : offset + size]
        phase = (offset - len(self._rows)) % 2  # then blank lines to the end of the file
        return (b"\r\n" * (size // 2 + 2))[phase : phase + size]

    def read(self, size: int = -1) -> bytes:
        left = self.length - self.bytes_read
        size = left if size is None or size < 0 else min(size, left)
        out = bytearray()
        while len(out) < size:
            out += self._piece(self.bytes_read + len(out), size - len(out))
        self.bytes_read += len(out)
        return bytes(out)


def post_body(client, url: str, body: MultipartBody, *, with_length: bool = True):
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    extra = {"wsgi.input": body, "CONTENT_TYPE": content_type}
    if with_length:
        extra["CONTENT_LENGTH"] = str(body.length)
    else:
        extra["HTTP_TRANSFER_ENCODING"] = "chunked"
    # No data: the client sets no length or body of its own (nor, without
    # data, Django's client a type: hence CONTENT_TYPE too).
    return client.generic("POST", url, b"", content_type=content_type, **extra)


def api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_generated_body_is_a_valid_upload(marketer):
    """The helper's body is what it says: under the cap it is imported."""
    body = MultipartBody(file_bytes=200_000)

    response = post_body(api_client(marketer), API_URL, body)

    assert response.status_code == 202, response.content
    assert body.bytes_read == body.length
    assert response.json()["file_size"] == 200_000
    assert response.json()["total_rows"] == 1


def test_a_body_announced_over_the_cap_is_a_413_before_any_byte_is_read(marketer):
    body = MultipartBody(file_bytes=upload_limits.MAX_FILE_BYTES + MB)

    response = post_body(api_client(marketer), API_URL, body)

    assert response.status_code == 413
    assert response.json() == {
        "error": "too_large",
        "detail": "file: The file is larger than 200 MB.",
        "errors": {"file": ["The file is larger than 200 MB."]},
    }
    assert body.bytes_read == 0
    assert LeadImport.objects.count() == 0


def test_a_file_over_the_cap_is_refused_while_it_streams_in(marketer, monkeypatch):
    """The Content-Length lets it through (the form's overhead allowance is
    large here); the count of the file's bytes stops the parsing soon after
    the cap, long before the end of the body."""
    monkeypatch.setattr(upload_limits, "MAX_FILE_BYTES", 256 * 1024)
    monkeypatch.setattr(upload_limits, "FORM_OVERHEAD_BYTES", 8 * MB)
    body = MultipartBody(file_bytes=4 * MB)

    response = post_body(api_client(marketer), API_URL, body)

    assert response.status_code == 413
    assert response.json()["errors"] == {"file": ["The file is larger than 0.25 MB."]}
    assert body.bytes_read < 256 * 1024 + 2 * 64 * 1024
    assert LeadImport.objects.count() == 0


def test_a_chunked_body_without_a_length_is_a_411_and_is_not_read(marketer):
    body = MultipartBody(file_bytes=upload_limits.MAX_FILE_BYTES + MB)

    response = post_body(api_client(marketer), API_URL, body, with_length=False)

    assert response.status_code == 411
    assert response.json() == {
        "error": "length_required",
        "detail": "Send the file with a Content-Length (a chunked upload is not accepted).",
    }
    assert body.bytes_read == 0


def test_the_page_shows_a_body_over_the_cap_as_a_form_error_without_reading_it(marketer):
    client = Client()
    client.force_login(marketer)
    body = MultipartBody(file_bytes=upload_limits.MAX_FILE_BYTES + MB)

    response = post_body(client, reverse("lead-import"), body)

    assert response.status_code == 413
    html = response.content.decode()
    assert "The file is larger than 200 MB." in html
    assert 'enctype="multipart/form-data"' in html  # the form, to try again
    assert body.bytes_read == 0
    assert LeadImport.objects.count() == 0


def test_the_page_stops_reading_a_file_that_passes_the_cap_while_it_streams_in(marketer, monkeypatch):
    monkeypatch.setattr(upload_limits, "MAX_FILE_BYTES", 256 * 1024)
    monkeypatch.setattr(upload_limits, "FORM_OVERHEAD_BYTES", 8 * MB)
    client = Client(enforce_csrf_checks=True)
    client.force_login(marketer)
    client.get(reverse("lead-import"))  # the CSRF cookie; the token would be in the body
    body = MultipartBody(file_bytes=4 * MB)

    # The CSRF check is the first to read the body, looking for the token: it
    # is refused there, under the limit, with nothing stored.
    response = post_body(client, reverse("lead-import"), body)

    assert response.status_code == 413
    assert "The file is larger than 0.25 MB." in response.content.decode()
    assert body.bytes_read < 256 * 1024 + 2 * 64 * 1024
    assert LeadImport.objects.count() == 0


def test_the_page_refuses_a_chunked_body(marketer):
    client = Client()
    client.force_login(marketer)
    body = MultipartBody(file_bytes=MB)

    response = post_body(client, reverse("lead-import"), body, with_length=False)

    assert response.status_code == 411
    assert "Send the file with a Content-Length" in response.content.decode()
    assert body.bytes_read == 0


def test_the_page_still_checks_csrf_once_the_limits_are_in_place(marketer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(marketer)

    response = post_body(client, reverse("lead-import"), MultipartBody(file_bytes=10_000))

    assert response.status_code == 403
    assert LeadImport.objects.count() == 0


def test_a_rep_is_refused_before_the_body_is_read(rep):
    client = Client()
    client.force_login(rep)
    body = MultipartBody(file_bytes=MB)

    assert post_body(client, reverse("lead-import"), body).status_code == 403
    assert body.bytes_read == 0
