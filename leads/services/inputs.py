"""Checks of what people type or choose, shared by every lead service."""

from __future__ import annotations

from collections.abc import Iterable

from leadcourt.errors import GuardFailed, InvalidInput
from leadcourt.text import text_clean
from leads.criteria import criteria_to_mask
from leads.models import Lead, ReasonCode, RulebookVersion
from leads.routing import rep_for_lead

# Free-text notes and reasons, in every interface (pages, API, admin, import).
NOTE_MAX_LENGTH = 2000


def note_clean(note: str | None, *, field: str = "note") -> str:
    note = text_clean(note)
    if len(note) > NOTE_MAX_LENGTH:
        raise InvalidInput({field: f"At most {NOTE_MAX_LENGTH} characters."})
    return note


def reason_resolve(code: str | None, note: str, *, field_name: str = "reason") -> ReasonCode:
    if not code:
        raise InvalidInput({field_name: "A reason code is required."})
    reason = ReasonCode.objects.filter(pk=code, is_active=True).first()
    if reason is None:
        raise InvalidInput({field_name: f"Unknown reason code '{code}'."})
    if reason.requires_note and not note_clean(note):
        raise InvalidInput({"note": f"A note is required with the reason '{reason.label}'."})
    return reason


def criteria_mask_from(criteria: Iterable[str] | None, current: int) -> int:
    if criteria is None:
        return current
    try:
        return criteria_to_mask(criteria)
    except ValueError as exc:
        raise InvalidInput({"criteria": str(exc)}) from None


def criteria_met_count(mask: int) -> int:
    return bin(mask).count("1")


def criteria_ensure_met(mask: int, rulebook: RulebookVersion) -> None:
    met = criteria_met_count(mask)
    if met < rulebook.mql_min_criteria:
        raise GuardFailed(
            f"The lead meets {met} of the {rulebook.mql_min_criteria} qualification criteria "
            f"the rulebook requires.",
            code="too_few_criteria",
            extra={"criteria_met": met, "criteria_required": rulebook.mql_min_criteria},
        )


def rep_route(lead: Lead):
    rep = rep_for_lead(lead)
    if rep is None:
        raise GuardFailed(
            "No active sales rep to route this lead to; add a rep first.", code="no_rep_available"
        )
    return rep
