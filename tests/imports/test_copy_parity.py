"""The two ways of writing an import's rows write the same rows (STYLE.md
habit 15): the portable path (``chunk_orm``: the intake service's checks and
``bulk_create``) and PostgreSQL's (``chunk_copy``: ``COPY`` into a staging
table, the checks in SQL, ``INSERT … SELECT``).

Each file is imported one way, what the run wrote is read back, the whole
run is rolled back (a savepoint), and the same file is imported the other
way: the same leads (every field but ids and timestamps), the same history
rows, the same refusals and the same counters.
"""

from __future__ import annotations

import sys
import uuid

import pytest
from django.db import transaction

from leads.imports.chunk_copy import STRIP_CHARACTERS
from leads.imports.services import lead_import_run, lead_import_start
from leads.models import Lead, LeadEvent, LeadImport
from tests.factories import inquiry
from tests.imports.conftest import REAL_EXPORT_ROWS, csv_bytes, import_path_forced, upload

pytestmark = pytest.mark.postgres

# Fields that necessarily differ between two imports of the same row.
_DIFFERENT_EACH_TIME = {"id", "public_id", "created_at", "updated_at"}
# Column values (``attname``: a foreign key's id, not its object).
LEAD_COMPARED = [
    f.attname for f in Lead._meta.concrete_fields if f.name not in {*_DIFFERENT_EACH_TIME, "duplicate_of"}
]
EVENT_COMPARED = [
    f.attname for f in LeadEvent._meta.concrete_fields if f.name not in {"id", "occurred_at", "lead", "data"}
]


def label(lead: Lead) -> str:
    """A lead named without its ids: its external id, else its email."""
    return lead.external_id or f"<{lead.email}>"


def written(run: LeadImport) -> dict:
    """What ``run`` wrote, in terms that do not depend on ids or times: leads
    by external id, a probable duplicate by its label, history rows with
    their lead's external id, refusals, counters."""
    label_of = {lead.public_id: label(lead) for lead in Lead.objects.all()}
    leads = {}
    for lead in Lead.objects.filter(events__data__import=run.pk).select_related("duplicate_of"):
        fields = {name: getattr(lead, name) for name in LEAD_COMPARED}
        fields["duplicate_of"] = label(lead.duplicate_of) if lead.duplicate_of else None
        leads[lead.external_id] = fields
    events = []
    for event in LeadEvent.objects.filter(data__import=run.pk).select_related("lead"):
        assert event.occurred_at == event.lead.created_at
        fields = {name: getattr(event, name) for name in EVENT_COMPARED}
        fields["lead"] = event.lead.external_id
        assert event.data["import"] == run.pk
        fields["data"] = {**event.data, "import": "this run"}
        if "duplicate_of" in event.data:
            fields["data"]["duplicate_of"] = label_of[uuid.UUID(event.data["duplicate_of"])]
        events.append(fields)
    return {
        "leads": leads,
        "events": sorted(events, key=lambda event: event["data"]["row"]),
        "refusals": list(run.row_errors.values_list("row_number", "field", "message", "value")),
        "counters": {
            name: getattr(run, name)
            for name in (
                "status",
                "total_rows",
                "rows_done",
                "created_count",
                "existing_count",
                "refused_count",
                "failure",
            )
        },
    }


def imported(path: str, actor, content: bytes, *, preset: str = "auto", chunk_size=None) -> dict:
    """Import ``content`` the ``path`` way; return what it wrote and roll it all back."""
    with transaction.atomic():
        with import_path_forced(path):
            started = lead_import_start(actor=actor, file=upload(content), preset=preset, enqueue=False)
            run = lead_import_run(import_id=started.pk, chunk_size=chunk_size)
        outcome = written(run)
        transaction.set_rollback(True)
    return outcome


HEADER = [
    "External ID",
    "First Name",
    "Last Name",
    "Email",
    "Phone",
    "Company",
    "Title",
    "Country",
    "Source",
    "Origin",
    "Notes",  # mapped to nothing
]


def row(
    ext="",
    first="",
    last="",
    email="",
    phone="",
    company="",
    title="",
    country="",
    source="",
    origin="",
    notes="",
):
    return [ext, first, last, email, phone, company, title, country, source, origin, notes]


CRAFTED_ROWS = [
    row("A1", "Ada", "Lovelace", "ada@example.com", "+44 20 7946", "Analytical", country="UK", origin="Fair"),
    row("A2", "Bad", "Email", "not-an-email"),
    row("A3", "Grace", "Hopper", "  Grace@Example.COM  ", source=" Web "),
    row("A4", email="SHARED@example.com"),  # a lead in the database has it
    row("A5", "Ada", "Again", "ADA@example.com"),  # row 2's email: a duplicate within the file
    row("X-EXISTING", "Known", email="new-for-existing@example.com"),  # that lead exists: nothing created
    row("A1", "Ada", "Repeated"),  # external id repeated in the file
    row("", "Nameless", "One", "nameless@example.com", company="Anon"),
    row("", "Nameless", "One", "NAMELESS@example.com", company="Anon"),  # same derived id
    row("", "Nameless", "Two", "nameless@example.com", company="Anon"),  # another derived id, a duplicate
    row(notes="only a note"),
    row("\u3000", "\xa0", " ", "\t", notes="blank but for the note"),  # Unicode blanks strip to nothing
    [*row("A13", "Too", "Many"), "extra"],
    ["A14", "Too", "Few"],
    row("A15", "x" * 101),
    row("A16", company="c" * 250),
    row("e" * 129, "Long", "Id"),
    row("A18", email="a" * 64 + "@" + "d" * 63 + "." + "e" * 63 + "." + "f" * 63 + ".example"),
    row("A19", "Two", "Faults", "bad@", title="t" * 201),
    row(" A20 ", "\u3000Zoë\xa0", "Ünïcode", country="Österreich"),
    row("A21", email="ops@[127.0.0.1]"),
    row("A22", email="ops@[300.1.1.1]"),
    row("A23", email="jürgen@bücher.example"),
    row("A24", email="jurgen@bücher.example"),
    row("A25", company="C:\\new\\table\tTab", phone="\\N", title='quote " and , comma'),
    row("A26", company="Multi\nLine Ltd"),  # one row over two lines
    [],  # a blank line: skipped, keeps its number
    [""] * len(HEADER),  # only separators: skipped too
    row("A29", email="dup@example.com"),
    row("A30", email="Dup@Example.com"),
    row("A31", email="DUP@EXAMPLE.COM"),
    row("A32", email="old@example.com"),  # the existing lead's email
    row("A33", email="new-for-existing@example.com"),  # its first row created nothing
    row(origin="Only an origin"),
    row(origin="Another origin"),  # same (blank) lead fields: same derived id
    row("A36", email="root@localhost"),
    row("A37", email='"john..doe"@example.com'),  # quoted: the dots may repeat
    row(company="\u200b", title="\u2066\u2069"),  # only invisible characters: no value
    row(origin="\ufeff", notes="a note"),  # an invisible origin is no value either
]


@pytest.fixture
def crafted(marketer) -> bytes:
    """A file with a row for every rule, and the leads it meets."""
    inquiry(marketer, external_id="X-EXISTING", email="old@example.com")
    inquiry(marketer, email="Shared@Example.com")
    return csv_bytes(HEADER, CRAFTED_ROWS)


def test_the_crafted_file_exercises_every_rule(marketer, crafted):
    """The reference (portable) outcome, so that the comparisons below are
    about a file that hits each rule, not one that passes quietly."""
    reference = imported("orm", marketer, crafted, chunk_size=3)

    assert reference["counters"] == {
        "status": "done",
        "total_rows": 37,
        "rows_done": 37,
        "created_count": 19,
        "existing_count": 4,
        "refused_count": 14,
        "failure": "",
    }
    assert [(number, field) for number, field, *_ in reference["refusals"]] == [
        (3, "email"),
        (12, "row"),
        (13, "row"),
        (14, "row"),
        (15, "row"),
        (16, "first_name"),
        (17, "company"),
        (18, "external_id"),
        (19, "email"),
        (20, "email"),
        (20, "title"),
        (23, "email"),
        (24, "email"),
        (39, "row"),
        (40, "row"),
    ]
    assert reference["refusals"][8] == (19, "email", "At most 254 characters.", CRAFTED_ROWS[17][3][:200])
    leads = reference["leads"]
    assert leads["A5"]["duplicate_of"] == "A1"
    assert leads["A4"]["duplicate_of"] == "<Shared@Example.com>"  # a lead without external id
    assert leads["A32"]["duplicate_of"] == "X-EXISTING"
    assert (leads["A30"]["duplicate_of"], leads["A31"]["duplicate_of"]) == ("A29", "A29")
    assert leads["A33"]["duplicate_of"] is None
    assert leads["A24"]["email"] == "jurgen@bücher.example"
    origins = [e["data"].get("origin") for e in reference["events"] if e["data"].get("origin")]
    assert origins == ["Fair", "Only an origin"]
    assert (leads["A20"]["first_name"], leads["A3"]["email"]) == ("Zoë", "Grace@Example.COM")
    assert (leads["A25"]["phone"], leads["A26"]["company"]) == ("\\N", "Multi\nLine Ltd")


@pytest.mark.parametrize("chunk_size", [3, None], ids=["chunks-of-3", "default-chunks"])
def test_the_copy_path_writes_what_the_portable_path_writes_for_a_file_of_bad_rows(
    marketer, crafted, chunk_size
):
    reference = imported("orm", marketer, crafted, chunk_size=3)

    copied = imported("copy", marketer, crafted, chunk_size=chunk_size)

    assert copied["counters"] == reference["counters"]
    assert copied["refusals"] == reference["refusals"]
    assert copied["leads"] == reference["leads"]
    assert copied["events"] == reference["events"]


def test_the_copy_path_writes_what_the_portable_path_writes_for_the_real_export(marketer, real_export):
    content = real_export.read_bytes()
    reference = imported("orm", marketer, content, preset="x-education")

    copied = imported("copy", marketer, content, preset="x-education")

    assert reference["counters"]["created_count"] == REAL_EXPORT_ROWS
    assert copied["counters"] == reference["counters"]
    assert copied["refusals"] == reference["refusals"]
    assert copied["leads"] == reference["leads"]
    assert copied["events"] == reference["events"]


def test_the_sql_strips_what_python_strips():
    python_whitespace = {chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()}

    assert set(STRIP_CHARACTERS) == python_whitespace
