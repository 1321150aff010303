"""The states a lead moves through (SPEC: the lead lifecycle)."""

from __future__ import annotations

from django.db import models


class LeadState(models.TextChoices):
    INQUIRY = "inquiry", "Inquiry"
    MQL = "mql", "MQL"
    SAL = "sal", "SAL"
    SQL = "sql", "SQL"
    WON = "won", "Won"
    LOST = "lost", "Lost"
    REJECTED = "rejected", "Rejected"
    IN_REVIEW = "in_review", "In review"
    RETURNED = "returned", "Returned"
    DISQUALIFIED = "disqualified", "Disqualified"


# Leads a rep still has to act on; routing balances on these.
OPEN_STATES = (LeadState.MQL, LeadState.SAL, LeadState.SQL)
