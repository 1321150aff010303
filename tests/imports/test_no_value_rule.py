"""A lead with no value at all is refused by one rule
(``leads.services.lead_intake_has_value``), wherever it comes from: one
intake (``lead_create``), or a CSV row on either import path."""

from __future__ import annotations

import pytest

from leadcourt.text import text_is_blank
from leads.imports.services import lead_import_run, lead_import_start
from leads.models import Lead, LeadImportRowError
from leads.services import LeadHasNoValue, lead_create, lead_intake_has_value
from tests.imports.conftest import csv_bytes, upload

pytestmark = pytest.mark.postgres

HEADER = ["Id", "FirstName", "LastName", "Email", "Company", "Title", "Country"]

# (external id, first name, last name, email, company, title, country)
# (A line of blanks only is not a row at all: the file's reader skips it.)
ROWS = [
    ("", "\u200b", "", "", "", "", ""),  # a zero-width space: nothing a reader could see
    ("", "", "\u3000", "", "\ufeff", "\u2066\u2069", "\xa0"),  # Unicode blanks and invisibles
    ("", "", "", "", "", "", "\x7f"),  # a control character
    ("CRM-1", "", "", "", "", "", ""),  # an id from another system is a value
    ("\u200b", "", "", "", "", "", ""),  # ... as the intake strips it (its blanks only)
    ("", "Ada", "", "", "", "", ""),
    ("", "", "", "", "", "", "Österreich"),
    ("", "", "", "", "\u200bAcme", "", ""),  # visible text after an invisible character
    ("", "", "", "", " ~ ", "", ""),
]


def refused_by_lead_create(actor, cells: tuple[str, ...]) -> bool:
    external_id, *values = cells
    names = ["first_name", "last_name", "email", "company", "title", "country"]
    fields = dict(zip(names, values, strict=True))
    try:
        lead_create(actor=actor, external_id=external_id, **fields)
    except LeadHasNoValue:
        return True
    return False


def test_the_import_refuses_for_no_value_exactly_the_rows_lead_create_refuses(marketer, import_path):
    content = csv_bytes(HEADER, [list(cells) for cells in ROWS])
    started = lead_import_start(actor=marketer, file=upload(content), preset="salesforce", enqueue=False)
    run = lead_import_run(import_id=started.pk)
    refused_rows = set(
        LeadImportRowError.objects.filter(lead_import=run, field="row").values_list("row_number", flat=True)
    )

    # (The leads the import created do not matter: the rule comes before the
    # lookup of an existing external id.)
    expected = {n for n, cells in enumerate(ROWS, start=2) if refused_by_lead_create(marketer, cells)}

    assert expected == {2, 3, 4}, "the cases do not cover both outcomes"
    assert refused_rows == expected
    assert (run.total_rows, run.refused_count, run.created_count) == (len(ROWS), 3, len(ROWS) - 3)


def test_an_imported_column_kept_only_in_the_history_is_a_value(marketer, import_path):
    """The lead has no field for the origin, but the import keeps it: a row
    with only an origin is a lead (as a lead with only a campaign is)."""
    content = csv_bytes(["Id", "Company", "Lead Origin"], [["", "", "Fair"], ["", "", "\u200b"]])
    started = lead_import_start(actor=marketer, file=upload(content), preset="auto", enqueue=False)

    run = lead_import_run(import_id=started.pk)

    assert (run.created_count, run.refused_count) == (1, 1)
    assert Lead.objects.get().events.get().data["origin"] == "Fair"
    assert list(run.row_errors.values_list("row_number", "field")) == [(3, "row")]


@pytest.mark.parametrize("wrap", ["{}", " {} ", "{}{}{}", "\u200b{}", "{}x"])
def test_the_quick_check_of_a_cell_agrees_with_text_is_blank(wrap):
    """``lead_intake_has_value`` skips ``text_is_blank`` for printable ASCII;
    over every ASCII character, and the Unicode blanks and invisibles, it
    says what ``text_is_blank`` says."""
    characters = [chr(code) for code in range(128)] + list(
        "\x85\xa0\xad\u1680\u180e\u2000\u200b\u200d\u200e\u2028\u2029\u202e\u2060\u2066\u3000\ufeffé"
    )
    for char in characters:
        text = wrap.format(char, char, char)
        assert lead_intake_has_value(values=[text]) == (not text_is_blank(text)), repr(text)
