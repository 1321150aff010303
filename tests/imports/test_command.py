"""``manage.py import_leads FILE``: the same import, run synchronously."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from leads.imports.services import CHUNK_SIZE, COPY_CHUNK_SIZE
from leads.models import Lead, LeadImport
from tests.imports.conftest import SALESFORCE_HEADER, csv_bytes, salesforce_rows

pytestmark = pytest.mark.postgres


def run_command(*args) -> str:
    out = StringIO()
    call_command("import_leads", *args, stdout=out)
    return out.getvalue()


def test_the_command_imports_a_file_and_prints_progress_and_a_summary(tmp_path, marketer):
    rows = salesforce_rows(5)
    rows[2][4] = "nope"
    path = tmp_path / "leads.csv"
    path.write_bytes(csv_bytes(SALESFORCE_HEADER, rows))

    output = run_command(str(path), "--preset", "salesforce", "--as", "marketer", "--chunk-size", "2")

    assert "5 rows, columns external_id='Id'" in output
    assert "2/5 rows (40%): created 2, existing 0, refused 0" in output
    assert "row 4, email: Enter a valid email address." in output
    assert "done: created 4, existing 0, refused 1 of 5 rows in" in output
    assert "rows/s" in output
    assert Lead.objects.filter(marketer=marketer).count() == 4

    again = run_command(str(path), "--as", "marketer")
    assert "done: created 0, existing 4, refused 1 of 5 rows" in again
    assert LeadImport.objects.count() == 2


def test_the_command_imports_in_the_chunks_of_the_path_it_takes_by_default(tmp_path, marketer):
    """PostgreSQL's COPY path writes 10,000 rows per transaction, not the
    portable path's 1,000: 1,500 rows are one chunk, one progress line."""
    assert COPY_CHUNK_SIZE > 1500 > CHUNK_SIZE
    path = tmp_path / "leads.csv"
    path.write_bytes(csv_bytes(SALESFORCE_HEADER, salesforce_rows(1500)))

    output = run_command(str(path), "--preset", "salesforce", "--as", "marketer")

    assert [line for line in output.splitlines() if " rows (" in line] == [
        "  1500/1500 rows (100%): created 1500, existing 0, refused 0"
    ]
    assert Lead.objects.count() == 1500


def test_the_command_acts_as_the_system_actor_by_default(tmp_path, system):
    path = tmp_path / "leads.csv"
    path.write_bytes(csv_bytes(["Id"], [["1"]]))

    run_command(str(path))

    assert LeadImport.objects.get().actor == system
    assert Lead.objects.get().marketer is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/nonexistent/leads.csv"], "No such file: /nonexistent/leads.csv"),
        (["{path}", "--as", "nobody"], "No user named 'nobody'."),
        (["{path}", "--as", "rep"], "Only marketers may import leads."),
        (["{bad}"], "The file is not UTF-8 text"),
    ],
)
def test_the_command_refuses_with_a_clear_message(tmp_path, rep, args, message):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(b"Id\r\n1\r\n")
    bad.write_bytes("Id\r\nMüller\r\n".encode("latin-1"))

    with pytest.raises(CommandError, match=message):
        run_command(*(a.format(path=good, bad=bad) for a in args))
    assert Lead.objects.count() == 0
