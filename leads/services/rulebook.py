"""Publishing rulebook versions: each change is a new, immutable version."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from leadcourt.accounts import roles
from leadcourt.errors import ActionForbidden, InvalidInput
from leads.locks import rulebook_lock_current
from leads.models import RulebookVersion

RULE_FIELDS = (
    "mql_min_criteria",
    "grade_a_min_criteria",
    "decision_hours",
    "followup_days",
    "touches_grade_a",
    "touches_grade_b",
    "appeal_days",
    "review_days",
    "review_mode",
    "sample_percent",
    "independent_judges",
    "business_hours_only",
    "panel_size",
)


def rulebook_version_check(version: RulebookVersion) -> None:
    """The rules across a version's fields, per field (``InvalidInput``). The
    admin form runs it too, to show the error beside the field; a rule whose
    fields are missing (already refused on their own) is not checked."""
    mql, grade_a = version.mql_min_criteria, version.grade_a_min_criteria
    if mql is not None and grade_a is not None and grade_a < mql:
        raise InvalidInput({"grade_a_min_criteria": "Grade A cannot need fewer criteria than qualification."})


def rulebook_version_create(*, actor, change_note: str = "", **changes) -> RulebookVersion:
    """Publish a new rulebook version: the current rules with ``changes``
    applied, the next number, the author and the time. Superusers only.
    Locks the current version so two editors cannot both publish v(n+1)."""
    if not roles.is_superuser(actor):
        raise ActionForbidden("Only administrators may change the rulebook.")
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise InvalidInput(dict.fromkeys(sorted(unknown), "Not a rule."))
    with transaction.atomic():
        current = rulebook_lock_current()
        values = {name: getattr(current, name) for name in RULE_FIELDS} if current else {}
        values.update(changes)
        version = RulebookVersion(
            version=(current.version + 1) if current else 1,
            author=actor,
            change_note=(change_note or "").strip(),
            **values,
        )
        try:
            version.clean_fields(exclude=["author"])
        except ValidationError as exc:
            raise InvalidInput(exc.message_dict) from None
        # Before full_clean: its check of the database constraint would
        # otherwise answer first, naming the constraint instead of the rule.
        rulebook_version_check(version)
        try:
            version.full_clean(exclude=["author"])
        except ValidationError as exc:
            raise InvalidInput(exc.message_dict) from None
        version.save()
    return version
