"""Checks shared by the lead tests: a refused action writes nothing."""

from __future__ import annotations

from contextlib import contextmanager

from leads.models import Lead, LeadEvent, RulebookVersion, Touch


def _snapshot(lead: Lead | None) -> dict:
    snapshot = {
        "leads": Lead.objects.count(),
        "events": LeadEvent.objects.count(),
        "touches": Touch.objects.count(),
        "rulebook_versions": RulebookVersion.objects.count(),
    }
    if lead is not None:
        # Every column of the row, read fresh from the database (state,
        # deadlines, rep, updated_at...): a refused action changes none of them.
        snapshot["lead_row"] = Lead.objects.filter(pk=lead.pk).values().get()
    return snapshot


@contextmanager
def nothing_written(lead: Lead | None = None):
    """Assert that the block leaves the database as it found it.

    Put it *outside* ``pytest.raises`` so the check runs after the refusal:
    ``with nothing_written(lead), pytest.raises(InvalidInput): ...``
    """
    before = _snapshot(lead)
    yield
    assert _snapshot(lead) == before
