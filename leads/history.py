"""Writing the append-only lead history, one small function per kind of event."""

from __future__ import annotations

from django.utils import timezone

from leads.models import Lead, LeadEvent, ReasonCode, RulebookVersion


def lead_event_record(
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
    """Record one event; callers are services already inside their transaction."""
    return LeadEvent.objects.create(
        lead=lead,
        transition=transition,
        from_state=from_state,
        to_state=lead.state,
        actor=actor,
        occurred_at=occurred_at or timezone.now(),
        reason=reason,
        note=note,
        rulebook_version=rulebook,
        data=data or {},
    )
