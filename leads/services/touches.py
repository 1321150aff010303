"""Follow-up touches a rep logs on an open lead."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from leadcourt import clock
from leadcourt.errors import ActionForbidden, InvalidInput, InvalidTransition
from leads import permissions
from leads.locks import lead_lock
from leads.models import OPEN_STATES, Lead, Touch, TouchChannel, TouchOutcome
from leads.selectors import lead_allowed_transitions
from leads.services.inputs import note_clean

# A touch may be logged a little "in the future" to absorb clock skew between
# the rep's device and the server, but no more.
TOUCH_CLOCK_SKEW = timedelta(minutes=5)


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
        now = clock.now()
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
            note=note_clean(note),
            occurred_at=when,
        )
