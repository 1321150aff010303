"""Which CSV column fills which lead field: presets for common CRM exports,
and the resolution of a file's header row into a mapping.

Headers are compared normalised (lower case, letters and digits only), so
``FirstName``, ``First Name``, ``first_name`` and ``FIRST-NAME`` are one
header. A preset lists, per lead field, the headers it accepts in order of
preference; an explicit mapping (``{"company": "Account"}``) overrides the
preset field by field, and ``""`` leaves a field out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from leadcourt.errors import InvalidInput
from leads.services import LEAD_TEXT_FIELDS

# Fields a row fills on the lead (through ``leads.services.lead_intake_clean``).
LEAD_FIELDS = ("external_id", *LEAD_TEXT_FIELDS)
# Columns the lead has no field for, kept in the "create" history row's data
# so that nothing the export said about the lead's origin is lost.
HISTORY_FIELDS = ("origin",)
IMPORT_FIELDS = (*LEAD_FIELDS, *HISTORY_FIELDS)

PRESETS: dict[str, dict[str, tuple[str, ...]]] = {
    # The X Education export (../shared/data/): no names or emails.
    "x-education": {
        "external_id": ("Prospect ID",),
        "source": ("Lead Source",),
        "origin": ("Lead Origin",),
        "country": ("Country",),
    },
    # Salesforce report / Data Loader exports (API names or labels).
    "salesforce": {
        "external_id": ("Id", "Lead ID"),
        "first_name": ("FirstName", "First Name"),
        "last_name": ("LastName", "Last Name"),
        "email": ("Email",),
        "phone": ("Phone", "MobilePhone"),
        "company": ("Company",),
        "title": ("Title",),
        "country": ("Country",),
        "source": ("LeadSource", "Lead Source"),
    },
    # HubSpot contact exports.
    "hubspot": {
        "external_id": ("Record ID",),
        "first_name": ("First Name",),
        "last_name": ("Last Name",),
        "email": ("Email",),
        "phone": ("Phone Number", "Mobile Phone Number"),
        "company": ("Company Name",),
        "title": ("Job Title",),
        "country": ("Country/Region", "Country"),
        "source": ("Original Source", "Lead Source"),
        "origin": ("Original Source Drill-Down 1",),
    },
}


def _auto_preset() -> dict[str, tuple[str, ...]]:
    """Every preset's headers at once, plus the field names themselves and a few
    generic spellings: what a hand-made list or an unknown CRM is likely to use."""
    generic = {
        "external_id": ("External ID", "Lead ID", "Prospect ID", "Record ID", "Id"),
        "email": ("Email Address", "E-mail"),
        "company": ("Organization", "Organisation", "Account"),
        "phone": ("Telephone", "Mobile"),
        "title": ("Job Title",),
    }
    merged: dict[str, list[str]] = {field: [field] for field in IMPORT_FIELDS}
    for aliases in (generic, *PRESETS.values()):
        for field, headers in aliases.items():
            merged[field].extend(h for h in headers if h not in merged[field])
    return {field: tuple(headers) for field, headers in merged.items()}


PRESETS["auto"] = _auto_preset()
PRESET_CHOICES = (
    ("auto", "Detect from the headers"),
    ("x-education", "X Education export"),
    ("salesforce", "Salesforce"),
    ("hubspot", "HubSpot"),
)
DEFAULT_PRESET = "auto"


def header_key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def preset_ensure_known(preset: str) -> None:
    if preset not in PRESETS:
        raise InvalidInput({"preset": f"Unknown preset '{preset}'; choose one of {', '.join(PRESETS)}."})


def mapping_resolve(
    headers: list[str], *, preset: str, overrides: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Lead field -> the header (as written in the file) that fills it.

    Raises ``InvalidInput`` for an unknown preset, a bad override, or a file
    none of whose columns maps to a lead field.
    """
    preset_ensure_known(preset)
    by_key: dict[str, str] = {}
    for header in headers:
        by_key.setdefault(header_key(header), header)  # the first of two equal headers wins

    resolved: dict[str, str] = {}
    for field, aliases in PRESETS[preset].items():
        for alias in aliases:
            if header_key(alias) in by_key:
                resolved[field] = by_key[header_key(alias)]
                break

    if overrides is not None:
        if not isinstance(overrides, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str | None) for k, v in overrides.items()
        ):
            raise InvalidInput({"mapping": 'Give the mapping as {"lead field": "CSV header"}.'})
        errors = []
        for field, header in overrides.items():
            if field not in IMPORT_FIELDS:
                errors.append(f"'{field}' is not a lead field ({', '.join(IMPORT_FIELDS)}).")
            elif not header:
                resolved.pop(field, None)
            elif header_key(header) not in by_key:
                errors.append(f"The file has no column '{header}' (for {field}).")
            else:
                resolved[field] = by_key[header_key(header)]
        if errors:
            raise InvalidInput({"mapping": errors})

    if not any(field in resolved for field in LEAD_FIELDS):
        raise InvalidInput(
            {
                "file": (
                    f"None of the columns ({', '.join(headers[:8])}{', …' if len(headers) > 8 else ''}) "
                    f"matches a lead field for the '{preset}' preset. Choose another preset or give a "
                    f"column mapping."
                )
            }
        )
    return resolved
