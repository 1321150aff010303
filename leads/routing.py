"""Who gets a delivered lead (SPEC §4).

The segment's owner if the segment has one and they are an active rep;
otherwise the active rep with the fewest open leads, ties broken round-robin:
the rep who was assigned a lead longest ago (or never) goes first.
"""

from __future__ import annotations

from django.db.models import Count, F, Max, Q

from leadcourt.accounts import roles
from leads.models import OPEN_STATES, Lead


def rep_for_lead(lead: Lead):
    """The rep a delivered lead should go to, or ``None`` if there is no active rep."""
    reps = roles.active_users_with_role(roles.SALES_REP)
    if lead.segment_id is not None:
        owner = reps.filter(owned_segments=lead.segment_id).first()
        if owner is not None:
            return owner
    return (
        reps.annotate(
            open_leads=Count(
                "assigned_leads",
                filter=Q(assigned_leads__state__in=OPEN_STATES),
            ),
            last_assigned_at=Max("assigned_leads__assigned_at"),
        )
        # NULLs first: a rep never assigned a lead (NULL) is "longest ago";
        # PostgreSQL would otherwise sort NULL last and skip new reps.
        .order_by("open_leads", F("last_assigned_at").asc(nulls_first=True), "pk")
        .first()
    )
