"""The append-only lead history (SPEC §2)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from leads.models.states import LeadState


class LeadEvent(models.Model):
    """One row of the append-only history (SPEC §2): every transition, and
    every other recorded change (reassignment, touches are their own table).

    Rows are never updated or deleted: ``save`` refuses updates, and a
    database trigger (migration 0003) refuses them below the ORM too.
    """

    # Every row is written by a transition, an import or a sweep, so each
    # index here is paid on every write: the lead is served by
    # leadevent_lead_time_idx (lead_id first), and nothing looks history up by
    # reason code or rulebook version (neither is ever deleted), hence no
    # index of their own.
    lead = models.ForeignKey("leads.Lead", on_delete=models.PROTECT, related_name="events", db_index=False)
    transition = models.CharField(max_length=40)
    from_state = models.CharField(max_length=16, choices=LeadState.choices)
    to_state = models.CharField(max_length=16, choices=LeadState.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField()
    reason = models.ForeignKey(
        "leads.ReasonCode", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    note = models.TextField(blank=True)
    rulebook_version = models.ForeignKey(
        "leads.RulebookVersion", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            # Lead page timeline: WHERE lead_id = ? ORDER BY occurred_at
            models.Index(fields=["lead", "occurred_at"], name="leadevent_lead_time_idx"),
            # Metrics: transitions of a kind within a period.
            models.Index(fields=["transition", "occurred_at"], name="leadevent_kind_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.transition}: {self.from_state} → {self.to_state}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("History is append-only: a LeadEvent cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("History is append-only: a LeadEvent cannot be deleted.")
