"""Helpers for the scheduled jobs' tests: a snapshot of everything a job may
write (for "run it twice" tests)."""

from __future__ import annotations

from adjudication.models import Case
from leadcourt.notifications.models import Notification
from leads.models import Lead, LeadEvent


def world() -> dict:
    """Every row a job may write, read fresh: equal snapshots mean nothing changed."""
    return {
        "leads": list(Lead.objects.order_by("pk").values()),
        "events": list(LeadEvent.objects.order_by("pk").values()),
        "cases": list(Case.objects.order_by("pk").values()),
        "notifications": list(Notification.objects.order_by("pk").values()),
    }
