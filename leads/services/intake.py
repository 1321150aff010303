"""New leads: one at a time (``lead_create``, ``lead_create_and_qualify``)
or a thousand rows at a time (the CSV import reuses ``lead_intake_clean`` and
``lead_first_by_email``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Lower

from leadcourt.accounts import roles
from leadcourt.errors import ActionForbidden, InvalidInput
from leadcourt.text import text_is_blank
from leads.criteria import criteria_to_mask
from leads.history import lead_event_record
from leads.models import Campaign, Lead, Segment
from leads.selectors import rulebook_current
from leads.services.transitions import lead_qualify

LEAD_TEXT_FIELDS = ("first_name", "last_name", "email", "phone", "company", "title", "country", "source")


def lead_ensure_may_create(actor) -> None:
    """Marketers (and administrators, and the system actor for jobs) create leads (SPEC §1)."""
    if not (roles.is_superuser(actor) or roles.is_marketer(actor) or getattr(actor, "is_system", False)):
        raise ActionForbidden("Only marketers may create leads.")


@dataclass(frozen=True)
class LeadIntake:
    """One lead's intake fields, checked and stripped."""

    external_id: str | None
    values: dict[str, str]
    criteria_mask: int


class LeadHasNoValue(InvalidInput):
    """A lead with no value at all: nobody could recognise or contact it."""

    MESSAGE = "A lead needs at least one value: a name, an email, a company, …"

    def __init__(self):
        super().__init__({"non_field_errors": self.MESSAGE}, message=self.MESSAGE)


def lead_intake_has_value(
    *, external_id: str | None = None, criteria: Iterable[str] = (), values: Iterable[object] = ()
) -> bool:
    """The rule a new lead must meet before any other, wherever it comes from
    (``lead_intake_clean`` for the API, the pages and the import's portable
    path; ``leads.imports.chunk_copy`` asks it row by row): an external id,
    a criterion, or one value with something a reader could see (text that
    is not only blanks and invisible characters, or any object: a campaign,
    a segment)."""
    if criteria or (external_id and external_id.strip()):
        return True
    return any(_is_a_value(value) for value in values)


def _is_a_value(value: object) -> bool:
    if value is None:
        return False
    if not isinstance(value, str):
        return True
    if value.isascii() and value.isprintable():
        # The usual cell, without text_is_blank's pass over each character:
        # printable ASCII has no control or invisible character but the space.
        return bool(value.strip(" "))
    return not text_is_blank(value)


def lead_owner_for_intake(*, actor, marketer=None):
    """The owning marketer of a new lead: the one named, who must be an active
    marketer, else the creating user when a marketer (an admin's or the system's
    leads start without an owner; the first marketer to qualify takes them)."""
    if marketer is None:
        return actor if roles.is_marketer(actor) else None
    if not roles.active_users_with_role(roles.MARKETER).filter(pk=marketer.pk).exists():
        raise InvalidInput({"marketer": "Choose an active marketer."})
    return marketer


def lead_intake_clean(
    *,
    external_id: str | None = None,
    criteria: Iterable[str] = (),
    also: Iterable[object] = (),
    **fields: str,
) -> LeadIntake:
    """The rules every new lead's fields obey, whether it comes one at a time
    (``lead_create``) or a thousand rows at a time (the CSV import).

    ``also``: what the lead gets outside these fields (a campaign, a
    segment, an imported column kept in its history row), which counts as a
    value for ``lead_intake_has_value``. Raises ``LeadHasNoValue`` for a
    lead with no value at all, else ``InvalidInput`` naming every bad field
    at once; writes nothing.
    """
    unknown = set(fields) - set(LEAD_TEXT_FIELDS)
    if unknown:
        raise InvalidInput(dict.fromkeys(sorted(unknown), "Unknown field."))
    criteria = tuple(criteria)  # asked twice: whether any is given, then which
    if not lead_intake_has_value(
        external_id=external_id, criteria=criteria, values=(*fields.values(), *also)
    ):
        raise LeadHasNoValue()
    external_id = (external_id or "").strip() or None
    values = {name: (fields.get(name) or "").strip() for name in LEAD_TEXT_FIELDS}
    errors: dict[str, str] = {}
    if values["email"]:
        try:
            validate_email(values["email"])
        except ValidationError:
            errors["email"] = "Enter a valid email address."
    for name in LEAD_TEXT_FIELDS:
        limit = Lead._meta.get_field(name).max_length
        if len(values[name]) > limit:
            errors[name] = f"At most {limit} characters."
    if external_id and len(external_id) > 128:
        errors["external_id"] = "At most 128 characters."
    mask = 0
    try:
        mask = criteria_to_mask(criteria)
    except ValueError as exc:
        errors["criteria"] = str(exc)
    if errors:
        raise InvalidInput(errors)
    return LeadIntake(external_id=external_id, values=values, criteria_mask=mask)


def lead_first_by_email(emails: Iterable[str]) -> dict[str, Lead]:
    """For each email (case-insensitive, keyed lower-cased), the earliest lead
    that has it: the lead a new one with that email is a probable duplicate
    of. One query (served by ``lead_email_lower_idx``) for any number of emails."""
    wanted = {email.lower() for email in emails if email}
    if not wanted:
        return {}
    rows = (
        Lead.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=wanted)
        .order_by("email_lower", "created_at", "pk")
        .only("pk", "public_id", "email", "created_at")
    )
    if connection.features.can_distinct_on_fields:
        # PostgreSQL: one row per email instead of every duplicate.
        rows = rows.distinct("email_lower")
    first: dict[str, Lead] = {}
    for lead in rows:
        first.setdefault(lead.email_lower, lead)
    return first


def lead_create(
    *,
    actor,
    external_id: str | None = None,
    criteria: Iterable[str] = (),
    campaign: Campaign | None = None,
    segment: Segment | None = None,
    marketer=None,
    **fields: str,
) -> tuple[Lead, bool]:
    """Create an inquiry; idempotent on ``external_id``.

    Returns ``(lead, created)``: an existing lead with the same external id is
    returned untouched with ``created=False``, also when two intakes race (the
    unique constraint decides, and the loser reads the winner's row). A lead
    whose email matches an earlier lead's (case-insensitive) is marked as its
    probable duplicate.
    """
    lead_ensure_may_create(actor)
    # The owner first: a wrong one is refused whatever the fields say.
    marketer = lead_owner_for_intake(actor=actor, marketer=marketer)
    intake = lead_intake_clean(external_id=external_id, criteria=criteria, also=(campaign, segment), **fields)
    external_id, values, mask = intake.external_id, intake.values, intake.criteria_mask
    if external_id:
        existing = Lead.objects.filter(external_id=external_id).first()
        if existing is not None:
            return existing, False

    try:
        with transaction.atomic():
            duplicate_of = lead_first_by_email([values["email"]]).get(values["email"].lower())
            lead = Lead.objects.create(
                external_id=external_id,
                criteria_mask=mask,
                campaign=campaign,
                segment=segment,
                marketer=marketer,
                duplicate_of=duplicate_of,
                **values,
            )
            lead_event_record(
                lead=lead,
                transition="create",
                from_state=lead.state,
                actor=actor,
                rulebook=rulebook_current(),
                occurred_at=lead.created_at,
                data={"duplicate_of": str(duplicate_of.public_id)} if duplicate_of else None,
            )
    except IntegrityError:
        if external_id:
            existing = Lead.objects.filter(external_id=external_id).first()
            if existing is not None:
                return existing, False
        raise
    return lead, True


def lead_create_and_qualify(*, actor, **intake) -> tuple[Lead, bool]:
    """Create an inquiry (``lead_create``'s arguments) and deliver it to sales
    at once: one user action, so one transaction. If qualifying is refused
    (too few criteria, no rep to route to), the inquiry is not left behind
    either and the refusal is raised as ``lead_qualify`` raises it.

    Returns ``(lead, created)`` like ``lead_create``: an existing lead with
    the same external id is returned untouched (and not qualified), with
    ``created=False``.
    """
    with transaction.atomic():
        lead, created = lead_create(actor=actor, **intake)
        if created:
            lead = lead_qualify(lead=lead, actor=actor)
    return lead, created
