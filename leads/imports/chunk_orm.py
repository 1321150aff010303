"""One chunk of an import's rows, the portable way: every row checked by
the intake rules (``leads.services.lead_intake_clean``), the new leads and
their "create" history rows written with ``bulk_create``.

It runs on every database (SQLite is the embedded setup) and is the
reference for the PostgreSQL form in ``chunk_copy``: a test imports the same
files both ways and compares what they wrote (tests/imports/test_copy_parity.py).
``services._chunk_import`` calls it inside the chunk's transaction, after
locking the run row, and advances the run's counters after it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import NamedTuple

from leadcourt.errors import InvalidInput
from leads.history import lead_event_new
from leads.imports.mapping import HISTORY_FIELDS
from leads.imports.reading import CsvRow
from leads.models import Lead, LeadEvent, LeadImport, LeadImportRowError, LeadState
from leads.services import (
    LEAD_TEXT_FIELDS,
    LeadHasNoValue,
    lead_first_by_email,
    lead_intake_clean,
    lead_owner_for_intake,
)

VALUE_SHOWN = LeadImportRowError._meta.get_field("value").max_length
# The refusals of a whole row, shared with ``chunk_copy`` so both say the same.
# A row with no value breaks the intake's rule (``lead_intake_has_value``),
# said in the import's words.
CELL_COUNT_MESSAGE = (
    "The row has {cells} cells but the header has {header}; check for a stray separator or quote."
)
NO_VALUE_MESSAGE = "None of the imported columns has a value."


class ChunkCounts(NamedTuple):
    """What one chunk did with its rows; they add up to the rows of the chunk."""

    created: int
    existing: int
    refused: int


@dataclass
class _Row:
    number: int
    external_id: str
    values: dict[str, str]
    criteria_mask: int
    history: dict[str, str]
    lead: Lead | None = field(default=None)


def derived_external_id(values: dict[str, str]) -> str:
    """The external id of a row that has none: a hash of its lead fields."""
    # Emails compare case-insensitively everywhere else too.
    content = "\x1f".join(
        values[name].lower() if name == "email" else values[name] for name in LEAD_TEXT_FIELDS
    )
    return "csv:" + hashlib.sha256(content.encode()).hexdigest()[:40]


def _row_check(row: CsvRow, *, fields: tuple[str, ...], header_count: int):
    """One row's lead values, or its refusals as ``(row, field, message, value)``."""
    if row.cell_count != header_count:
        message = CELL_COUNT_MESSAGE.format(cells=row.cell_count, header=header_count)
        return None, [(row.number, "row", message, "")]
    raw = dict(zip(fields, row.values, strict=True))
    try:
        intake = lead_intake_clean(
            external_id=raw.get("external_id"),
            also=[raw[name] for name in HISTORY_FIELDS if name in raw],
            **{name: raw[name] for name in LEAD_TEXT_FIELDS if name in raw},
        )
    except LeadHasNoValue:
        return None, [(row.number, "row", NO_VALUE_MESSAGE, "")]
    except InvalidInput as exc:
        return None, [
            (row.number, name, " ".join(messages), raw.get(name, "")[:VALUE_SHOWN])
            for name, messages in exc.errors.items()
        ]
    return (
        _Row(
            number=row.number,
            external_id=intake.external_id or derived_external_id(intake.values),
            values=intake.values,
            criteria_mask=intake.criteria_mask,
            history={name: raw[name].strip() for name in HISTORY_FIELDS if raw.get(name, "").strip()},
        ),
        [],
    )


def chunk_write_orm(
    lead_import: LeadImport, chunk: list[CsvRow], *, fields: tuple[str, ...], header_count: int, rulebook
) -> ChunkCounts:
    """Check the chunk's rows, create the new leads with their history rows
    and record the refusals; the caller holds the chunk's transaction."""
    accepted: list[_Row] = []
    refusals = []
    refused_rows = 0
    for csv_row in chunk:
        row, errors = _row_check(csv_row, fields=fields, header_count=header_count)
        if row is None:
            refused_rows += 1
            refusals.extend(errors)
        else:
            accepted.append(row)

    # Idempotence: a lead with the row's external id (from any earlier intake,
    # import, or row of this file) means the row creates nothing.
    seen = set(
        Lead.objects.filter(external_id__in=[row.external_id for row in accepted]).values_list(
            "external_id", flat=True
        )
    )
    new_rows = []
    for row in accepted:
        if row.external_id not in seen:
            seen.add(row.external_id)
            new_rows.append(row)

    # Probable duplicates: the earliest lead with the same email, either
    # already in the database or earlier in this chunk (inserted first).
    earlier = lead_first_by_email(row.values["email"] for row in new_rows)
    marketer = lead_owner_for_intake(actor=lead_import.actor)
    in_chunk: dict[str, Lead] = {}
    first_pass, second_pass = [], []
    for row in new_rows:
        row.lead = Lead(
            external_id=row.external_id,
            criteria_mask=row.criteria_mask,
            marketer=marketer,
            **row.values,
        )
        email = row.values["email"].lower()
        if email in earlier:
            row.lead.duplicate_of = earlier[email]
            first_pass.append(row.lead)
        elif email in in_chunk:
            # Points at a lead of the first insert, which gives it its id.
            row.lead.duplicate_of = in_chunk[email]
            second_pass.append(row.lead)
        else:
            first_pass.append(row.lead)
            if email:
                in_chunk[email] = row.lead
    Lead.objects.bulk_create(first_pass)
    if second_pass:
        Lead.objects.bulk_create(second_pass)

    LeadEvent.objects.bulk_create(
        lead_event_new(
            lead=row.lead,
            transition="create",
            from_state=LeadState.INQUIRY,
            actor=lead_import.actor,
            occurred_at=row.lead.created_at,
            rulebook=rulebook,
            data={
                "import": lead_import.pk,
                "row": row.number,
                **({"duplicate_of": str(row.lead.duplicate_of.public_id)} if row.lead.duplicate_of else {}),
                **row.history,
            },
        )
        for row in new_rows
    )
    LeadImportRowError.objects.bulk_create(
        [
            LeadImportRowError(
                lead_import_id=lead_import.pk, row_number=number, field=name, message=message, value=value
            )
            for number, name, message, value in refusals
        ],
        ignore_conflicts=True,
    )
    return ChunkCounts(created=len(new_rows), existing=len(accepted) - len(new_rows), refused=refused_rows)
