"""What no CSV export looks like is refused after reading a bounded amount,
without building it in memory: a header of millions of columns, a line
with no end. The upload parses only the file's first megabyte as CSV; the
worker counts and checks the rest before importing any row, so a bad line
deep in a large file still leaves nothing imported."""

from __future__ import annotations

import tracemalloc
from unittest import mock

import pytest

from leadcourt.errors import InvalidInput
from leads.imports import reading
from leads.imports.services import lead_import_run, lead_import_start
from leads.models import Lead, LeadImport, LeadImportStatus
from tests.imports.conftest import SALESFORCE_HEADER, csv_bytes, salesforce_rows, upload

pytestmark = pytest.mark.postgres

MB = 1024 * 1024


def start(actor, content: bytes) -> LeadImport:
    return lead_import_start(actor=actor, file=upload(content), enqueue=False)


def refused_with_peak_memory(actor, content: bytes) -> tuple[str, int]:
    """The upload's refusal message, and the most memory it held meanwhile."""
    tracemalloc.start()
    try:
        with pytest.raises(InvalidInput) as refused:
            start(actor, content)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return refused.value.errors["file"][0], peak


def test_a_header_of_five_million_columns_is_refused_without_building_it(marketer):
    content = b"a," * 5_000_000 + b"a\r\n1\r\n"  # 10 MB on one line

    message, peak = refused_with_peak_memory(marketer, content)

    assert message.startswith("Line 1 is longer than 1,048,576 characters")
    # Its cells as a list of strings took 870 MB; a line is read up to the cap.
    assert peak < 32 * MB
    assert LeadImport.objects.count() == 0


def test_a_header_with_more_columns_than_any_export_is_refused(marketer):
    header = ",".join(f"c{n}" for n in range(3000)).encode()

    with pytest.raises(InvalidInput) as refused:
        start(marketer, header + b"\r\n" + b"1" + b",x" * 2999 + b"\r\n")

    assert refused.value.errors["file"] == ["The header row has 3,000 columns; at most 2,000 are accepted."]


def test_a_line_with_no_end_is_refused_after_reading_the_cap(marketer):
    content = b"Id,Company\r\n1," + b"x" * (20 * MB)  # no line break: one 20 MB line

    message, peak = refused_with_peak_memory(marketer, content)

    assert message.startswith("Line 2 is longer than 1,048,576 characters")
    assert peak < 32 * MB


def test_the_upload_parses_only_the_first_megabyte_of_a_large_file(marketer):
    """A header, a row and a million blank lines (the file that held a web
    worker 30 s at 200 MB): the upload checks every byte but parses only the
    preview as CSV, and leaves the counting to the worker."""
    content = csv_bytes(SALESFORCE_HEADER, salesforce_rows(1)) + b"\r\n" * MB
    sources = []
    real_source = reading.ByteSource

    def spy_source(*args, **kwargs):
        sources.append(real_source(*args, **kwargs))
        return sources[-1]

    with mock.patch.object(reading, "ByteSource", side_effect=spy_source):
        lead_import = start(marketer, content)

    assert lead_import.total_rows is None
    assert lead_import.file_size == len(content)
    assert [source.bytes_read for source in sources] == [pytest.approx(reading.PREVIEW_BYTES, abs=64 * 1024)]

    result = lead_import_run(import_id=lead_import.pk)

    assert (result.status, result.total_rows, result.created_count) == (LeadImportStatus.DONE, 1, 1)


def test_a_large_file_is_counted_by_the_worker_then_imported(marketer):
    rows = salesforce_rows(20_000)  # about 1.5 MB
    content = csv_bytes(SALESFORCE_HEADER, rows)
    assert len(content) > reading.PREVIEW_BYTES

    lead_import = start(marketer, content)
    assert lead_import.total_rows is None

    result = lead_import_run(import_id=lead_import.pk)

    assert (result.status, result.total_rows, result.rows_done) == (LeadImportStatus.DONE, 20_000, 20_000)
    assert Lead.objects.count() == 20_000


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        (b'1,"unterminated\r\n', "is not valid CSV"),
        (b"2," + b"x" * (2 * MB) + b"\r\n", "is longer than 1,048,576 characters"),
    ],
)
def test_a_bad_line_deep_in_a_large_file_fails_the_run_with_nothing_imported(marketer, bad_line, message):
    rows = csv_bytes(SALESFORCE_HEADER, salesforce_rows(20_000))
    content = rows + bad_line + b"3,Acme\r\n"
    lead_import = start(marketer, content)  # past the preview: accepted on upload

    result = lead_import_run(import_id=lead_import.pk)

    assert result.status == LeadImportStatus.FAILED
    assert message in result.failure
    assert (result.rows_done, result.total_rows) == (0, None)
    assert Lead.objects.count() == 0


def test_a_large_file_with_no_row_in_its_first_megabyte_is_refused(marketer):
    content = b"Id,Company\r\n" + b"\r\n" * MB + b"1,Acme\r\n"

    with pytest.raises(InvalidInput) as refused:
        start(marketer, content)

    assert refused.value.errors["file"] == ["The file has no data row in its first 1 MB."]


def test_a_nul_byte_or_a_bad_byte_far_past_the_preview_is_still_refused_on_upload(marketer):
    rows = csv_bytes(SALESFORCE_HEADER, salesforce_rows(20_000))

    with pytest.raises(InvalidInput) as nul:
        start(marketer, rows + b"9,Nu\x00ll\r\n")
    with pytest.raises(InvalidInput) as latin1:
        start(marketer, rows + "9,Müller\r\n".encode("latin-1"))

    assert nul.value.errors["file"][0].startswith("The file contains a NUL byte on line 20002:")
    assert latin1.value.errors["file"][0].startswith(
        "The file is not UTF-8 text (an undecodable byte near line 20002)"
    )
    assert LeadImport.objects.count() == 0
