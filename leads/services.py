"""Every write to leads. Browser views, the API, imports and jobs call these.

Each transition service follows one shape (see ``lead_transition``): in one
transaction, lock the lead row, check that the actor may do this to this
lead (403), that the state allows it (409), validate input (400) and the
rulebook's guards (409), run the FSM transition, save, and write the history
row with the rulebook version in force. Any refusal raises an
``ApplicationError`` subclass before anything is written; the transaction
rolls back whatever was not.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django_fsm import ConcurrentTransition

from leadcourt.accounts import roles
from leadcourt.errors import (
    ActionForbidden,
    Conflict,
    GuardFailed,
    InvalidInput,
    InvalidTransition,
)
from leadcourt.notifications import events as notify
from leads import permissions
from leads.criteria import criteria_to_mask
from leads.history import lead_event_record
from leads.locks import lead_lock
from leads.models import (
    OPEN_STATES,
    Campaign,
    CampaignStatus,
    Lead,
    LeadEvent,
    LeadState,
    ReasonCode,
    ReviewMode,
    RulebookVersion,
    Segment,
    Touch,
    TouchChannel,
    TouchOutcome,
)
from leads.routing import rep_for_lead
from leads.selectors import lead_allowed_transitions, lead_followup_touch_count, rulebook_current

# A touch may be logged a little "in the future" to absorb clock skew between
# the rep's device and the server, but no more.
TOUCH_CLOCK_SKEW = timedelta(minutes=5)


# --- the shape shared by every transition -----------------------------------


@dataclass
class TransitionStep:
    lead: Lead
    actor: object
    name: str
    rulebook: RulebookVersion
    now: datetime
    from_state: str
    event: LeadEvent | None = field(default=None)

    def record(
        self,
        *,
        reason: ReasonCode | None = None,
        note: str = "",
        data=None,
        transition: str | None = None,
    ) -> LeadEvent:
        """Save the transitioned lead and write its history row (named after
        the transition unless ``transition`` says more, e.g. "verdict_uphold")."""
        try:
            self.lead.save()
        except ConcurrentTransition as exc:
            # Only reachable when a caller bypassed the row lock; still refuse.
            raise Conflict("This lead was changed by someone else; reload and retry.") from exc
        self.event = lead_event_record(
            lead=self.lead,
            transition=transition or self.name,
            from_state=self.from_state,
            actor=self.actor,
            rulebook=self.rulebook,
            occurred_at=self.now,
            reason=reason,
            note=note,
            data=data,
        )
        return self.event


def _transition_permission(name: str):
    # Every source of one transition method shares its permission predicate.
    meta = getattr(Lead, name)._django_fsm
    return next(iter(meta.transitions.values())).permission


def lead_ensure_may(*, lead: Lead, actor, name: str) -> None:
    """Raise ``ActionForbidden`` unless ``actor`` may run transition ``name`` on ``lead``."""
    predicate = _transition_permission(name)
    if not predicate(lead, actor):
        raise ActionForbidden(permissions.REFUSALS.get(predicate, "You may not do this."))


def lead_ensure_state_allows(*, lead: Lead, actor, name: str) -> None:
    meta = getattr(Lead, name)._django_fsm
    if not meta.has_transition(lead.state):
        allowed = lead_allowed_transitions(lead=lead, user=actor)
        raise InvalidTransition(
            f"'{name}' is not possible while the lead is '{lead.get_state_display()}'.",
            state=lead.state,
            allowed=allowed,
        )


@contextmanager
def lead_transition(*, lead: Lead, actor, name: str) -> Iterator[TransitionStep]:
    """Open the transaction, lock and re-read the lead, check actor and state.

    The body runs the model transition and calls ``step.record(...)``.
    Whoever loses a race waits for the winner's lock, then sees the new state
    and gets ``InvalidTransition`` (409): exactly one transition wins.
    """
    with transaction.atomic():
        locked = lead_lock(lead.pk)
        lead_ensure_may(lead=locked, actor=actor, name=name)
        lead_ensure_state_allows(lead=locked, actor=actor, name=name)
        step = TransitionStep(
            lead=locked,
            actor=actor,
            name=name,
            rulebook=rulebook_current(),
            now=timezone.now(),
            from_state=locked.state,
        )
        yield step
        if step.event is None:  # pragma: no cover - a programming error, not user input
            raise RuntimeError(f"service for '{name}' did not record its history row")


# --- input helpers ------------------------------------------------------------


# Free-text notes and reasons, in every interface (pages, API, admin, import).
NOTE_MAX_LENGTH = 2000


def _note_clean(note: str | None, *, field: str = "note") -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise InvalidInput({field: f"At most {NOTE_MAX_LENGTH} characters."})
    return note


def _reason_resolve(code: str | None, note: str, *, field_name: str = "reason") -> ReasonCode:
    if not code:
        raise InvalidInput({field_name: "A reason code is required."})
    reason = ReasonCode.objects.filter(pk=code, is_active=True).first()
    if reason is None:
        raise InvalidInput({field_name: f"Unknown reason code '{code}'."})
    if reason.requires_note and not _note_clean(note):
        raise InvalidInput({"note": f"A note is required with the reason '{reason.label}'."})
    return reason


def _criteria_mask(criteria: Iterable[str] | None, current: int) -> int:
    if criteria is None:
        return current
    try:
        return criteria_to_mask(criteria)
    except ValueError as exc:
        raise InvalidInput({"criteria": str(exc)}) from None


def _criteria_count(mask: int) -> int:
    return bin(mask).count("1")


def _ensure_criteria_met(mask: int, rulebook: RulebookVersion) -> None:
    met = _criteria_count(mask)
    if met < rulebook.mql_min_criteria:
        raise GuardFailed(
            f"The lead meets {met} of the {rulebook.mql_min_criteria} qualification criteria "
            f"the rulebook requires.",
            code="too_few_criteria",
            extra={"criteria_met": met, "criteria_required": rulebook.mql_min_criteria},
        )


def _route(lead: Lead):
    rep = rep_for_lead(lead)
    if rep is None:
        raise GuardFailed(
            "No active sales rep to route this lead to; add a rep first.", code="no_rep_available"
        )
    return rep


# --- intake ------------------------------------------------------------------

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
    *, external_id: str | None = None, criteria: Iterable[str] = (), **fields: str
) -> LeadIntake:
    """The rules every new lead's fields obey, whether it comes one at a time
    (``lead_create``) or a thousand rows at a time (the CSV import).

    Raises ``InvalidInput`` naming every bad field at once; writes nothing.
    """
    unknown = set(fields) - set(LEAD_TEXT_FIELDS)
    if unknown:
        raise InvalidInput(dict.fromkeys(sorted(unknown), "Unknown field."))
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
    intake = lead_intake_clean(external_id=external_id, criteria=criteria, **fields)
    external_id, values, mask = intake.external_id, intake.values, intake.criteria_mask
    marketer = lead_owner_for_intake(actor=actor, marketer=marketer)

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


# --- marketing's transitions ----------------------------------------------------


def lead_qualify(*, lead: Lead, actor, criteria: Iterable[str] | None = None) -> Lead:
    """inquiry → mql: criteria met ≥ ``mql_min_criteria``; routed to a rep;
    decision deadline set. ``criteria``, if given, replaces the lead's criteria
    in the same transaction."""
    with lead_transition(lead=lead, actor=actor, name="qualify") as step:
        mask = _criteria_mask(criteria, step.lead.criteria_mask)
        _ensure_criteria_met(mask, step.rulebook)
        step.lead.criteria_mask = mask
        rep = _route(step.lead)
        if step.lead.marketer_id is None and roles.is_marketer(actor):
            step.lead.marketer = actor
        step.lead.qualify(
            rep=rep,
            at=step.now,
            decision_due_at=step.rulebook.decision_due(step.now),
        )
        step.record(data={"rep": rep.pk, "criteria_met": _criteria_count(mask)})
        notify.lead_assigned(lead=step.lead, event=step.event, actor=actor)
    return step.lead


def lead_disqualify(*, lead: Lead, actor, reason: str) -> Lead:
    """inquiry → disqualified, with a stated reason."""
    with lead_transition(lead=lead, actor=actor, name="disqualify") as step:
        reason = _note_clean(reason, field="reason")
        if not reason:
            raise InvalidInput({"reason": "Say why the lead is disqualified."})
        step.lead.disqualify(reason=reason, at=step.now)
        step.record(note=reason)
    return step.lead


def lead_concede(*, lead: Lead, actor, note: str = "") -> Lead:
    """rejected → returned: the owning marketer accepts sales' cause."""
    with lead_transition(lead=lead, actor=actor, name="concede") as step:
        step.lead.concede(at=step.now)
        step.record(note=_note_clean(note))
    return step.lead


def lead_recycle(*, lead: Lead, actor, criteria: Iterable[str] | None = None) -> Lead:
    """returned → mql: same criteria guard as qualify; a new delivery to sales."""
    with lead_transition(lead=lead, actor=actor, name="recycle") as step:
        mask = _criteria_mask(criteria, step.lead.criteria_mask)
        _ensure_criteria_met(mask, step.rulebook)
        step.lead.criteria_mask = mask
        rep = _route(step.lead)
        step.lead.recycle(
            rep=rep,
            at=step.now,
            decision_due_at=step.rulebook.decision_due(step.now),
        )
        step.record(data={"rep": rep.pk, "criteria_met": _criteria_count(mask)})
        notify.lead_assigned(lead=step.lead, event=step.event, actor=actor)
    return step.lead


# --- sales' transitions -----------------------------------------------------------


def lead_accept(*, lead: Lead, actor) -> Lead:
    """mql → sal by the assigned rep; the follow-up deadline starts."""
    with lead_transition(lead=lead, actor=actor, name="accept") as step:
        step.lead.accept(
            at=step.now,
            followup_due_at=step.rulebook.followup_due(step.now),
        )
        step.record()
    return step.lead


def _audit_if_all_rejections_reviewed(step: TransitionStep) -> None:
    """Review mode ``all_rejections``: every rejection goes before the judges
    at once, in the same transaction as the rejection itself."""
    if step.rulebook.review_mode == ReviewMode.ALL_REJECTIONS:
        # Imported here: adjudication builds on leads, not the other way round.
        from adjudication.services import case_open_audit_locked

        case_open_audit_locked(lead=step.lead, rulebook=step.rulebook, now=step.now)


def lead_reject(*, lead: Lead, actor, reason: str, note: str = "") -> Lead:
    """mql → rejected by the assigned rep, for a reason code; marketing's
    appeal window opens (or, in ``all_rejections`` mode, an audit case)."""
    with lead_transition(lead=lead, actor=actor, name="reject") as step:
        reason_code = _reason_resolve(reason, note)
        step.lead.reject(
            reason=reason_code,
            note=_note_clean(note),
            at=step.now,
            appeal_due_at=step.rulebook.appeal_due(step.now),
        )
        step.record(reason=reason_code, note=_note_clean(note))
        _audit_if_all_rejections_reviewed(step)
        notify.lead_rejected(lead=step.lead, event=step.event, actor=actor)
    return step.lead


def lead_return_after_followup(*, lead: Lead, actor, reason: str, note: str = "") -> Lead:
    """sal → rejected, only once the rep logged the touches the rulebook
    requires for the lead's grade; appealable like any rejection."""
    with lead_transition(lead=lead, actor=actor, name="return_after_followup") as step:
        reason_code = _reason_resolve(reason, note)
        grade = step.rulebook.grade_for(step.lead.criteria_count)
        required = step.rulebook.touches_required(grade)
        done = lead_followup_touch_count(lead=step.lead)
        if done < required:
            raise GuardFailed(
                f"A grade {grade} lead needs {required} follow-up touches before it can be "
                f"returned; {done} logged so far.",
                code="too_few_touches",
                extra={"touches_done": done, "touches_required": required},
            )
        step.lead.return_after_followup(
            reason=reason_code,
            note=_note_clean(note),
            at=step.now,
            appeal_due_at=step.rulebook.appeal_due(step.now),
        )
        step.record(reason=reason_code, note=_note_clean(note), data={"touches": done, "grade": grade})
        _audit_if_all_rejections_reviewed(step)
        notify.lead_rejected(lead=step.lead, event=step.event, actor=actor)
    return step.lead


def lead_qualify_opportunity(*, lead: Lead, actor) -> Lead:
    """sal → sql by the assigned rep."""
    with lead_transition(lead=lead, actor=actor, name="qualify_opportunity") as step:
        step.lead.qualify_opportunity(at=step.now)
        step.record()
    return step.lead


def lead_close_won(*, lead: Lead, actor, amount) -> Lead:
    """sql → won, with the amount (a positive number)."""
    with lead_transition(lead=lead, actor=actor, name="close_won") as step:
        try:
            value = Decimal(str(amount).strip())
        except (InvalidOperation, ValueError, TypeError):
            raise InvalidInput({"amount": "Enter the amount won as a number."}) from None
        if not value.is_finite() or value <= 0:
            raise InvalidInput({"amount": "The amount won must be greater than zero."})
        if value.as_tuple().exponent < -2 or value >= Decimal("1e12"):
            raise InvalidInput({"amount": "Use at most 2 decimals and less than 10^12."})
        step.lead.close_won(amount=value, at=step.now)
        step.record(data={"amount": str(value)})
    return step.lead


def lead_close_lost(*, lead: Lead, actor, reason: str, note: str = "") -> Lead:
    """sql → lost, for a reason code."""
    with lead_transition(lead=lead, actor=actor, name="close_lost") as step:
        reason_code = _reason_resolve(reason, note)
        step.lead.close_lost(reason=reason_code, at=step.now)
        step.record(reason=reason_code, note=_note_clean(note))
    return step.lead


# --- system transitions --------------------------------------------------------------


def lead_expire_appeal(*, lead: Lead, actor) -> Lead:
    """rejected → returned when the appeal window closed without an appeal
    (the system actor, from the appeal-expiry job)."""
    with lead_transition(lead=lead, actor=actor, name="expire_appeal") as step:
        if step.lead.appeal_due_at and step.now < step.lead.appeal_due_at:
            raise GuardFailed(
                f"The appeal window is open until {step.lead.appeal_due_at:%Y-%m-%d %H:%M %Z}.",
                code="appeal_window_open",
            )
        step.lead.expire_appeal(at=step.now)
        step.record()
    return step.lead


# --- other recorded changes ---------------------------------------------------------


def lead_reassign(*, lead: Lead, actor, rep, note: str = "") -> Lead:
    """A manager moves an open lead to another active rep. The decision
    deadline restarts for the new rep (SPEC §4); the change is recorded."""
    with transaction.atomic():
        locked = lead_lock(lead.pk)
        if not permissions.may_reassign(locked, actor):
            raise ActionForbidden(permissions.REFUSALS[permissions.is_manager])
        if locked.state not in OPEN_STATES:
            raise InvalidTransition(
                f"Only open leads (MQL, SAL, SQL) can be reassigned; this one is "
                f"'{locked.get_state_display()}'.",
                state=locked.state,
                allowed=lead_allowed_transitions(lead=locked, user=actor),
            )
        if rep is None or not roles.active_users_with_role(roles.SALES_REP).filter(pk=rep.pk).exists():
            raise InvalidInput({"rep": "Choose an active sales rep."})
        if rep.pk == locked.assigned_rep_id:
            raise InvalidInput({"rep": "The lead is already assigned to this rep."})
        rulebook = rulebook_current()
        now = timezone.now()
        previous = locked.assigned_rep_id
        locked.assigned_rep = rep
        locked.assigned_at = now
        if locked.state == LeadState.MQL:
            locked.decision_due_at = rulebook.decision_due(now)
        locked.save()
        event = lead_event_record(
            lead=locked,
            transition="reassign",
            from_state=locked.state,
            actor=actor,
            rulebook=rulebook,
            occurred_at=now,
            note=_note_clean(note),
            data={"from_rep": previous, "to_rep": rep.pk},
        )
        notify.lead_assigned(lead=locked, event=event, actor=actor)
    return locked


def lead_touch_log(
    *, lead: Lead, actor, channel: str, outcome: str, note: str = "", occurred_at: datetime | None = None
) -> Touch:
    """The assigned rep records a follow-up attempt on an open lead.

    Locks the lead so a touch and a "return after follow-up" by the same rep
    on two tabs are counted consistently.
    """
    with transaction.atomic():
        locked = lead_lock(lead.pk)
        if not permissions.may_log_touch(locked, actor):
            raise ActionForbidden(permissions.REFUSALS[permissions.is_assigned_rep])
        if locked.state not in OPEN_STATES:
            raise InvalidTransition(
                f"Touches can be logged on open leads only; this one is '{locked.get_state_display()}'.",
                state=locked.state,
                allowed=lead_allowed_transitions(lead=locked, user=actor),
            )
        now = timezone.now()
        errors: dict[str, str] = {}
        if channel not in TouchChannel.values:
            errors["channel"] = f"Choose one of: {', '.join(TouchChannel.values)}."
        if outcome not in TouchOutcome.values:
            errors["outcome"] = f"Choose one of: {', '.join(TouchOutcome.values)}."
        when = occurred_at or now
        if timezone.is_naive(when):
            errors["occurred_at"] = "Give a time with its time zone."
        elif when > now + TOUCH_CLOCK_SKEW:
            errors["occurred_at"] = "A touch cannot be in the future."
        elif locked.delivered_at and when < locked.delivered_at:
            errors["occurred_at"] = "A touch cannot be before the lead was delivered."
        if errors:
            raise InvalidInput(errors)
        return Touch.objects.create(
            lead=locked,
            actor=actor,
            channel=channel,
            outcome=outcome,
            note=_note_clean(note),
            occurred_at=when,
        )


# --- the rulebook --------------------------------------------------------------------


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
        current = RulebookVersion.objects.select_for_update().order_by("-version").first()
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


# --- campaigns (SPEC §7: a forecast before a campaign goes live) ---------------------

CAMPAIGN_FIELDS = (
    "name",
    "source",
    "marketer",
    "starts_on",
    "ends_on",
    "forecast_leads",
    "forecast_mqls",
    "forecast_revenue",
    "budget",
)
CAMPAIGN_FORECAST_FIELDS = ("forecast_leads", "forecast_mqls", "forecast_revenue", "budget")
CAMPAIGN_FORECAST_LABELS = {
    "forecast_leads": "leads",
    "forecast_mqls": "MQLs",
    "forecast_revenue": "revenue",
    "budget": "budget",
}
FORECAST_REQUIRED = "Required before the campaign goes live."
# The largest amount a forecast or budget may hold (DecimalField(max_digits=14, decimal_places=2)).
CAMPAIGN_AMOUNT_LIMIT = Decimal("1e12")


def campaign_ensure_may_manage(actor) -> None:
    """Marketers create and change campaigns and their forecasts (SPEC §1);
    managers only read them: the forecast is marketing's commitment."""
    if not (roles.is_superuser(actor) or roles.is_marketer(actor)):
        raise ActionForbidden("Only marketers may create or change campaigns.")


def campaign_fields_check(campaign: Campaign) -> None:
    """Every rule a campaign's fields obey, with all errors at once, per field
    (``InvalidInput``). The services run it under the row lock; the admin form
    also runs it first, to show the errors beside the fields.

    ``clean_fields`` turns strings from the API into typed values and applies
    the model's limits (lengths, digits, non-negative counts, real dates).
    """
    errors: dict[str, list[str]] = {}
    try:
        campaign.clean_fields(exclude=["status"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    campaign.name = (campaign.name or "").strip()
    campaign.source = (campaign.source or "").strip()
    if "name" not in errors:
        if not campaign.name:
            errors["name"] = ["Give the campaign a name."]
        elif Campaign.objects.filter(name__iexact=campaign.name).exclude(pk=campaign.pk).exists():
            errors["name"] = ["Another campaign already has this name."]
    for name in ("forecast_revenue", "budget"):
        value = getattr(campaign, name)
        if name not in errors and value is not None and value < 0:
            errors[name] = ["Cannot be negative."]
    if (
        "marketer" not in errors
        and campaign.marketer_id is not None
        and not roles.active_users_with_role(roles.MARKETER).filter(pk=campaign.marketer_id).exists()
    ):
        errors["marketer"] = ["Choose an active marketer."]
    starts_on, ends_on = campaign.starts_on, campaign.ends_on
    if not ({"starts_on", "ends_on"} & set(errors)) and starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = ["The campaign cannot end before it starts."]
    if campaign.status != CampaignStatus.DRAFT:
        for name in CAMPAIGN_FORECAST_FIELDS:
            if name not in errors and getattr(campaign, name) is None:
                errors[name] = [f"A {campaign.get_status_display().lower()} campaign keeps its forecast."]
    if errors:
        raise InvalidInput(errors)


def _campaign_log(campaign: Campaign, actor, flag: int, message: str) -> None:
    """The campaign's history: Django's admin log, so changes made here and in
    the admin read as one history (the campaign page and the admin show it)."""
    LogEntry.objects.log_actions(
        user_id=actor.pk, queryset=[campaign], action_flag=flag, change_message=message, single_object=True
    )


def _campaign_changes_describe(before: dict, campaign: Campaign) -> str:
    parts = []
    for name in CAMPAIGN_FIELDS:
        old, new = before[name], getattr(campaign, f"{name}_id" if name == "marketer" else name)
        if old != new:
            label = Campaign._meta.get_field(name).verbose_name
            parts.append(
                f"{label}: {'—' if old in (None, '') else old} → {'—' if new in (None, '') else new}"
            )
    return "Changed " + "; ".join(parts) + "." if parts else ""


def _campaign_lock(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


def campaign_create(*, actor, name: str, **fields) -> Campaign:
    """A new campaign, as a draft; the forecast may come now or later, but
    before it goes live. Marketers only; the creator owns it unless another
    marketer is named."""
    campaign_ensure_may_manage(actor)
    unknown = set(fields) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise InvalidInput(dict.fromkeys(sorted(unknown), "Unknown field."))
    if fields.get("marketer") is None and roles.is_marketer(actor):
        fields["marketer"] = actor
    campaign = Campaign(name=name, status=CampaignStatus.DRAFT, **fields)
    with transaction.atomic():
        campaign_fields_check(campaign)
        try:
            with transaction.atomic():
                campaign.save()
        except IntegrityError:
            # Two marketers creating the same name at once: the unique constraint decides.
            raise InvalidInput({"name": "Another campaign already has this name."}) from None
        _campaign_log(campaign, actor, ADDITION, "Created as a draft.")
    return campaign


def campaign_update(*, campaign: Campaign, actor, **changes) -> Campaign:
    """Change a draft or live campaign's fields (a live one keeps a complete
    forecast). An ended campaign is a record and does not change.
    Locks the campaign row so two editors do not overwrite each other unseen."""
    campaign_ensure_may_manage(actor)
    unknown = set(changes) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise InvalidInput(dict.fromkeys(sorted(unknown), "Unknown field."))
    with transaction.atomic():
        locked = _campaign_lock(campaign)
        if locked.status == CampaignStatus.ENDED:
            raise GuardFailed("This campaign has ended; its record no longer changes.", code="campaign_ended")
        before = {
            name: getattr(locked, f"{name}_id" if name == "marketer" else name) for name in CAMPAIGN_FIELDS
        }
        for name, value in changes.items():
            setattr(locked, name, value)
        campaign_fields_check(locked)
        message = _campaign_changes_describe(before, locked)
        if message:
            try:
                with transaction.atomic():
                    locked.save()
            except IntegrityError:
                raise InvalidInput({"name": "Another campaign already has this name."}) from None
            _campaign_log(locked, actor, CHANGE, message)
    return locked


def campaign_launch(*, campaign: Campaign, actor) -> Campaign:
    """draft → live, only with a complete forecast (leads, MQLs, revenue,
    budget): each missing one is named, so the page shows the error next to
    it. The start date defaults to today."""
    campaign_ensure_may_manage(actor)
    with transaction.atomic():
        locked = _campaign_lock(campaign)
        if locked.status != CampaignStatus.DRAFT:
            raise GuardFailed(
                f"Only a draft campaign can go live; this one is {locked.get_status_display().lower()}.",
                code="campaign_not_draft",
            )
        missing = [name for name in CAMPAIGN_FORECAST_FIELDS if getattr(locked, name) is None]
        if missing:
            labels = ", ".join(CAMPAIGN_FORECAST_LABELS[name] for name in missing)
            raise InvalidInput(
                dict.fromkeys(missing, FORECAST_REQUIRED),
                message=f"The campaign cannot go live without its forecast; missing: {labels}.",
            )
        today = timezone.localdate()
        if locked.ends_on is not None and locked.ends_on < today:
            raise InvalidInput({"ends_on": "This end date has passed; move it before going live."})
        locked.starts_on = locked.starts_on or today
        locked.status = CampaignStatus.LIVE
        campaign_fields_check(locked)
        locked.save()
        _campaign_log(locked, actor, CHANGE, "Went live.")
    return locked


def campaign_end(*, campaign: Campaign, actor) -> Campaign:
    """live → ended; the end date becomes today unless it already passed."""
    campaign_ensure_may_manage(actor)
    with transaction.atomic():
        locked = _campaign_lock(campaign)
        if locked.status != CampaignStatus.LIVE:
            raise GuardFailed(
                f"Only a live campaign can end; this one is {locked.get_status_display().lower()}.",
                code="campaign_not_live",
            )
        today = timezone.localdate()
        if locked.ends_on is None or locked.ends_on > today:
            locked.ends_on = today
        if locked.starts_on is not None and locked.starts_on > locked.ends_on:
            locked.starts_on = locked.ends_on
        locked.status = CampaignStatus.ENDED
        locked.save()
        _campaign_log(locked, actor, CHANGE, "Ended.")
    return locked
