"""Fixtures for the scheduled jobs: the rulebook as an administrator edits it,
and a snapshot of everything a job may write (for "run it twice" tests)."""

from __future__ import annotations

import pytest

from adjudication.models import Case
from leadcourt.notifications.models import Notification
from leads.models import Lead, LeadEvent
from leads.services import rulebook_version_create
from tests.notifications.conftest import celery_eager  # noqa: F401 - shared fixture


@pytest.fixture
def rules(admin_user):
    """Publish a new rulebook version with some rules changed."""

    def publish(**changes):
        return rulebook_version_create(actor=admin_user, change_note="test", **changes)

    return publish


def world() -> dict:
    """Every row a job may write, read fresh: equal snapshots mean nothing changed."""
    return {
        "leads": list(Lead.objects.order_by("pk").values()),
        "events": list(LeadEvent.objects.order_by("pk").values()),
        "cases": list(Case.objects.order_by("pk").values()),
        "notifications": list(Notification.objects.order_by("pk").values()),
    }
