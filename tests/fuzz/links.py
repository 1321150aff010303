"""The served OpenAPI schema, prepared for fuzzing: path ids aimed at real
objects, and OpenAPI links that chain the operations the way a client does
(create a lead -> read it -> qualify -> accept or reject -> appeal -> the
case -> a statement or a verdict), which Schemathesis' stateful phase follows.

The links live here, not in the served schema: they describe how the fuzz
run walks the API, and drf-spectacular has no per-response link setting.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.fuzz.world import World

LEAD_OPERATIONS = [
    "leads_retrieve",
    "leads_qualify_create",
    "leads_disqualify_create",
    "leads_accept_create",
    "leads_reject_create",
    "leads_appeal_create",
    "leads_concede_create",
    "leads_return_after_followup_create",
    "leads_qualify_opportunity_create",
    "leads_close_won_create",
    "leads_close_lost_create",
    "leads_recycle_create",
    "leads_assign_create",
    "leads_touches_create",
]
CASE_OPERATIONS = ["cases_retrieve", "cases_statements_create", "cases_verdict_create"]
IMPORT_OPERATIONS = ["lead_imports_retrieve", "lead_imports_errors_list"]

# Ids that exist nowhere, beside the real ones: an unknown id, one past a
# 32-bit integer and one past a 64-bit integer (both must be a plain 404).
MISSING_IDS = [987_654_321, 2**31, 2**63]

# What a client does next with the lead an operation answered with: the
# lead's life (SPEC §2) as a graph, so that a scenario walks create ->
# qualify -> accept or reject -> appeal -> the case, rather than trying every
# action in every state. A list or a plain read may hold a lead in any state.
NEXT_ON_LEAD = {
    "leads_create": ["leads_qualify_create", "leads_disqualify_create"],
    "leads_qualify_create": ["leads_accept_create", "leads_reject_create", "leads_assign_create"],
    "leads_recycle_create": ["leads_accept_create", "leads_reject_create", "leads_assign_create"],
    "leads_assign_create": ["leads_accept_create", "leads_reject_create"],
    "leads_accept_create": [
        "leads_touches_create",
        "leads_qualify_opportunity_create",
        "leads_return_after_followup_create",
    ],
    "leads_reject_create": ["leads_appeal_create", "leads_concede_create"],
    "leads_return_after_followup_create": ["leads_appeal_create", "leads_concede_create"],
    "leads_concede_create": ["leads_recycle_create"],
    "leads_qualify_opportunity_create": ["leads_close_won_create", "leads_close_lost_create"],
    "leads_appeal_create": [],
    "leads_disqualify_create": [],
    "leads_close_won_create": [],
    "leads_close_lost_create": [],
    "leads_retrieve": LEAD_OPERATIONS,
}


def _links(targets: list[str], expression: str) -> dict[str, dict]:
    return {f"to_{target}": {"operationId": target, "parameters": {"id": expression}} for target in targets}


# (source operation, its status) -> links from it. Every answer with a lead
# also leads to reading it.
LINKS: dict[tuple[str, str], dict[str, dict]] = {
    **{
        (source, "201" if source == "leads_create" else "200"): _links(
            ["leads_retrieve", *targets], "$response.body#/id"
        )
        for source, targets in NEXT_ON_LEAD.items()
    },
    ("leads_create", "200"): _links(["leads_retrieve", *NEXT_ON_LEAD["leads_create"]], "$response.body#/id"),
    ("leads_list", "200"): _links(LEAD_OPERATIONS, "$response.body#/results/0/id"),
    ("leads_appeal_create", "200"): {
        **_links(["leads_retrieve"], "$response.body#/id"),
        **_links(CASE_OPERATIONS, "$response.body#/cases/0/id"),
    },
    ("cases_list", "200"): _links(CASE_OPERATIONS, "$response.body#/results/0/id"),
    ("cases_retrieve", "200"): {
        **_links(CASE_OPERATIONS, "$response.body#/id"),
        **_links(["leads_retrieve"], "$response.body#/lead/id"),
    },
    ("lead_imports_create", "202"): _links(IMPORT_OPERATIONS, "$response.body#/id"),
}


def _aim_ids(operation: dict, ids: list[int]) -> None:
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "path" and parameter.get("name") == "id":
            parameter["schema"] = {"type": "integer", "enum": sorted(ids) + MISSING_IDS}


def schema_for_fuzzing(schema: dict, world: World) -> dict:
    """A copy of ``schema`` with real ids and links; fails if an operation
    named here is gone from the served schema (a renamed operation must not
    silently drop its links)."""
    schema = copy.deepcopy(schema)
    operations = {
        operation["operationId"]: operation
        for path_item in schema["paths"].values()
        for operation in path_item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    named = {*LEAD_OPERATIONS, *CASE_OPERATIONS, *IMPORT_OPERATIONS} | {source for source, _ in LINKS}
    missing = named - set(operations)
    if missing:
        raise SystemExit(f"fuzz: operations named in tests/fuzz/links.py are not in the schema: {missing}")

    for name, operation in operations.items():
        if name in LEAD_OPERATIONS:
            _aim_ids(operation, world.lead_ids)
        elif name in CASE_OPERATIONS:
            _aim_ids(operation, world.case_ids)
        elif name in IMPORT_OPERATIONS:
            _aim_ids(operation, world.import_ids)
    for (source, status), links in LINKS.items():
        operations[source]["responses"][status].setdefault("links", {}).update(links)
    return schema
