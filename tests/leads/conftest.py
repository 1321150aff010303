"""Fixtures for the lead lifecycle tests."""

from __future__ import annotations

import pytest

from leads.models import Segment


@pytest.fixture
def rep_segment(rep):
    """A segment owned by ``rep``: its leads go to ``rep`` even when other reps exist."""
    return Segment.objects.create(code="emea", name="EMEA", owner_rep=rep)
