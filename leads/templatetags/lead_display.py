"""Template filters for showing leads: deadlines as time left, state labels."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils import timezone

from leads.models import LeadState

register = template.Library()


def _span(delta: timedelta) -> str:
    """A short duration: "2d 4h", "3h 20m", "12m"."""
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m"


@register.filter
def time_left(deadline: datetime | None) -> str:
    """Wall-clock time until ``deadline`` ("1d 3h left"), or how long it is overdue.

    Deadlines are computed in working hours when the rulebook says so; this
    shows the plain time remaining, which is what a person planning their day
    needs.
    """
    if deadline is None:
        return ""
    delta = deadline - timezone.now()
    if delta.total_seconds() < 0:
        return f"overdue by {_span(-delta)}"
    return f"{_span(delta)} left"


@register.filter
def is_past(moment: datetime | None) -> bool:
    return moment is not None and moment <= timezone.now()


@register.filter
def state_label(value: str) -> str:
    """ "in_review" → "In review" (history rows store the raw state)."""
    try:
        return LeadState(value).label
    except ValueError:
        return value


@register.filter
def transition_label(name: str) -> str:
    """ "qualify_opportunity" → "Qualify opportunity"."""
    return name.replace("_", " ").capitalize()
