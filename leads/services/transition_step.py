"""The shape every lead transition shares (``lead_transition``): in one
transaction, lock the lead row, check that the actor may do this to this
lead (403), that the state allows it (409), then let the service validate its
input (400) and the rulebook's guards (409), run the FSM transition, save, and
write the history row with the rulebook version in force. Any refusal raises
an ``ApplicationError`` subclass before anything is written; the transaction
rolls back whatever was not."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django_fsm import ConcurrentTransition, can_proceed

from leadcourt import clock
from leadcourt.errors import ActionForbidden, Conflict, InvalidTransition
from leads import permissions
from leads.history import lead_event_record
from leads.locks import lead_lock
from leads.models import Lead, LeadEvent, ReasonCode, RulebookVersion
from leads.selectors import lead_allowed_transitions, rulebook_current


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


def _transition_named(lead: Lead, name: str):
    """The declared transition ``name`` (every source of one transition method
    shares its permission predicate), through django-fsm's public
    ``get_all_state_transitions``."""
    for declared in lead.get_all_state_transitions():
        if declared.name == name:
            return declared
    raise ValueError(f"Lead has no transition '{name}'.")  # a programming error, not user input


def lead_ensure_may(*, lead: Lead, actor, name: str) -> None:
    """Raise ``ActionForbidden`` unless ``actor`` may run transition ``name``
    on ``lead``, whatever its state: who you are is answered before what the
    lead's state allows (403 before 409), so a refusal never leaks the state
    of a lead you may not touch."""
    declared = _transition_named(lead, name)
    if not declared.has_perm(lead, actor):
        raise ActionForbidden(permissions.REFUSALS.get(declared.permission, "You may not do this."))


def lead_ensure_state_allows(*, lead: Lead, actor, name: str) -> None:
    if not can_proceed(getattr(lead, name), check_conditions=False):
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
            now=clock.now(),
            from_state=locked.state,
        )
        yield step
        if step.event is None:  # pragma: no cover - a programming error, not user input
            raise RuntimeError(f"service for '{name}' did not record its history row")
