"""Every lead transition a person or a job runs, and reassignment.

Each follows ``lead_transition``'s shape (see ``transition_step``). The
transitions into and out of review (appeal, concede, the cases the jobs
open, verdicts) belong to the judicial branch: ``adjudication.services``
drives them through the same ``lead_transition``.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.db import transaction

from leadcourt import clock
from leadcourt.accounts import roles
from leadcourt.errors import ActionForbidden, GuardFailed, InvalidInput, InvalidTransition
from leads import notify, permissions
from leads.history import lead_event_record
from leads.hooks import after_reject_run
from leads.locks import lead_lock
from leads.models import OPEN_STATES, Lead, LeadState
from leads.selectors import lead_allowed_transitions, lead_followup_touch_count, rulebook_current
from leads.services.inputs import (
    criteria_ensure_met,
    criteria_mask_from,
    criteria_met_count,
    note_clean,
    reason_resolve,
    rep_route,
)
from leads.services.transition_step import lead_transition

# --- marketing's transitions ----------------------------------------------------


def lead_qualify(*, lead: Lead, actor, criteria: Iterable[str] | None = None) -> Lead:
    """inquiry → mql: criteria met ≥ ``mql_min_criteria``; routed to a rep;
    decision deadline set. ``criteria``, if given, replaces the lead's criteria
    in the same transaction."""
    with lead_transition(lead=lead, actor=actor, name="qualify") as step:
        mask = criteria_mask_from(criteria, step.lead.criteria_mask)
        criteria_ensure_met(mask, step.rulebook)
        step.lead.criteria_mask = mask
        rep = rep_route(step.lead)
        if step.lead.marketer_id is None and roles.is_marketer(actor):
            step.lead.marketer = actor
        step.lead.qualify(
            rep=rep,
            at=step.now,
            decision_due_at=step.rulebook.decision_due(step.now),
        )
        step.record(data={"rep": rep.pk, "criteria_met": criteria_met_count(mask)})
        notify.lead_assigned(lead=step.lead, event=step.event, actor=actor)
    return step.lead


def lead_disqualify(*, lead: Lead, actor, reason: str) -> Lead:
    """inquiry → disqualified, with a stated reason."""
    with lead_transition(lead=lead, actor=actor, name="disqualify") as step:
        reason = note_clean(reason, field="reason")
        if not reason:
            raise InvalidInput({"reason": "Say why the lead is disqualified."})
        step.lead.disqualify(reason=reason, at=step.now)
        step.record(note=reason)
    return step.lead


def lead_recycle(*, lead: Lead, actor, criteria: Iterable[str] | None = None) -> Lead:
    """returned → mql: same criteria guard as qualify; a new delivery to sales."""
    with lead_transition(lead=lead, actor=actor, name="recycle") as step:
        mask = criteria_mask_from(criteria, step.lead.criteria_mask)
        criteria_ensure_met(mask, step.rulebook)
        step.lead.criteria_mask = mask
        rep = rep_route(step.lead)
        step.lead.recycle(
            rep=rep,
            at=step.now,
            decision_due_at=step.rulebook.decision_due(step.now),
        )
        step.record(data={"rep": rep.pk, "criteria_met": criteria_met_count(mask)})
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


def lead_reject(*, lead: Lead, actor, reason: str, note: str = "") -> Lead:
    """mql → rejected by the assigned rep, for a reason code; marketing's
    appeal window opens (or, in ``all_rejections`` mode, an audit case)."""
    with lead_transition(lead=lead, actor=actor, name="reject") as step:
        reason_code = reason_resolve(reason, note)
        step.lead.reject(
            reason=reason_code,
            note=note_clean(note),
            at=step.now,
            appeal_due_at=step.rulebook.appeal_due(step.now),
        )
        step.record(reason=reason_code, note=note_clean(note))
        after_reject_run(step)
        notify.lead_rejected(lead=step.lead, event=step.event, actor=actor)
    return step.lead


def lead_return_after_followup(*, lead: Lead, actor, reason: str, note: str = "") -> Lead:
    """sal → rejected, only once the rep logged the touches the rulebook
    requires for the lead's grade; appealable like any rejection."""
    with lead_transition(lead=lead, actor=actor, name="return_after_followup") as step:
        reason_code = reason_resolve(reason, note)
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
            note=note_clean(note),
            at=step.now,
            appeal_due_at=step.rulebook.appeal_due(step.now),
        )
        step.record(reason=reason_code, note=note_clean(note), data={"touches": done, "grade": grade})
        after_reject_run(step)
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
        reason_code = reason_resolve(reason, note)
        step.lead.close_lost(reason=reason_code, at=step.now)
        step.record(reason=reason_code, note=note_clean(note))
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
        now = clock.now()
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
            note=note_clean(note),
            data={"from_rep": previous, "to_rep": rep.pk},
        )
        notify.lead_assigned(lead=locked, event=event, actor=actor)
    return locked
