"""Template filters for showing leads: deadlines as time left, state labels."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template

from leadcourt import clock
from leads.models import LeadState

register = template.Library()

# A deadline this close is shown as urgent.
DUE_SOON = timedelta(hours=4)


def _span(delta: timedelta) -> str:
    """A short duration a person reads at a glance: "2 d 4 h", "3 h 20 min", "12 min"."""
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    # No-break spaces: "2 d 4 h" must never wrap in the middle of a number and its unit.
    nb = "\u00a0"
    if days:
        return f"{days}{nb}d{nb}{hours}{nb}h" if hours else f"{days}{nb}d"
    if hours:
        return f"{hours}{nb}h{nb}{minutes}{nb}min" if minutes else f"{hours}{nb}h"
    return f"{minutes}{nb}min"


@register.filter
def time_left(deadline: datetime | None) -> str:
    """Wall-clock time until ``deadline`` ("1 d 3 h left"), or how long it is overdue.

    Deadlines are computed in working hours when the rulebook says so; this
    shows the plain time remaining, which is what a person planning their day
    needs.
    """
    if deadline is None:
        return ""
    delta = deadline - clock.now()
    if delta.total_seconds() < 0:
        return f"overdue by {_span(-delta)}"
    return f"{_span(delta)} left"


@register.filter
def due_class(deadline: datetime | None) -> str:
    """CSS class for a deadline: ``due-overdue``, ``due-soon`` (within 4 h) or ``""``."""
    if deadline is None:
        return ""
    delta = deadline - clock.now()
    if delta.total_seconds() < 0:
        return "due-overdue"
    if delta <= DUE_SOON:
        return "due-soon"
    return ""


@register.filter
def age(moment: datetime | None) -> str:
    """How long ago: "3 d 2 h"."""
    if moment is None:
        return ""
    return _span(max(clock.now() - moment, timedelta(0)))


@register.filter
def is_past(moment: datetime | None) -> bool:
    return moment is not None and moment <= clock.now()


@register.filter
def state_label(value: str) -> str:
    """ "in_review" → "In review" (history rows store the raw state)."""
    try:
        return LeadState(value).label
    except ValueError:
        return value


TRANSITION_LABELS = {
    "create": "Created",
    "qualify": "Qualified and delivered to sales",
    "disqualify": "Disqualified",
    "accept": "Accepted by sales",
    "reject": "Rejected by sales",
    "flag_ignored": "Flagged as ignored",
    "appeal": "Appealed by marketing",
    "concede": "Conceded by marketing",
    "expire_appeal": "Appeal window expired",
    "audit_sample": "Sampled for audit",
    "return_after_followup": "Returned after follow-up",
    "flag_unworked": "Flagged as not followed up",
    "qualify_opportunity": "Qualified as opportunity",
    "close_won": "Closed won",
    "close_lost": "Closed lost",
    "recycle": "Recycled to sales",
    "reassign": "Reassigned",
}


@register.filter
def transition_label(name: str) -> str:
    """ "qualify_opportunity" → "Qualified as opportunity"; verdicts read "Verdict: uphold"."""
    if name in TRANSITION_LABELS:
        return TRANSITION_LABELS[name]
    if name.startswith("verdict_"):
        return "Verdict: " + name.removeprefix("verdict_").replace("_", " ")
    return name.replace("_", " ").capitalize()
