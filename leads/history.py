"""Writing the append-only lead history, one small function per kind of event."""

from __future__ import annotations

from leadcourt import clock
from leads.models import Lead, LeadEvent, ReasonCode, RulebookVersion


def lead_event_new(
    *,
    lead: Lead,
    transition: str,
    from_state: str,
    actor,
    rulebook: RulebookVersion,
    occurred_at=None,
    reason: ReasonCode | None = None,
    note: str = "",
    data: dict | None = None,
) -> LeadEvent:
    """One history row, unsaved: the lead's state now is where the event led.
    Bulk writers (the CSV import, the escalation job, the demo seed) collect
    these for one ``bulk_create``; services use ``lead_event_record``."""
    return LeadEvent(
        lead=lead,
        transition=transition,
        from_state=from_state,
        to_state=lead.state,
        actor=actor,
        occurred_at=occurred_at or clock.now(),
        reason=reason,
        note=note,
        rulebook_version=rulebook,
        data=data or {},
    )


def lead_event_record(**fields) -> LeadEvent:
    """Record one event (``lead_event_new``'s arguments); callers are services
    already inside their transaction."""
    event = lead_event_new(**fields)
    event.save()
    return event
