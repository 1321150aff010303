"""Reference data leads point at: market segments (routing) and the reason
codes a rejection or a loss must give (SPEC §5)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Segment(models.Model):
    """A market segment. A segment with an owner routes its leads to that rep."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    owner_rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_segments",
        help_text="Leads of this segment go to this rep; empty means round-robin.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ReasonBlame(models.TextChoices):
    DATA = "data", "Lead data"
    FIT = "fit", "Fit"
    TIMING = "timing", "Timing"


class ReasonCode(models.Model):
    """A rejection or loss reason (SPEC §5); admin-editable, seeded by migration."""

    code = models.SlugField(max_length=50, primary_key=True)
    label = models.CharField(max_length=200)
    blames = models.CharField(max_length=8, choices=ReasonBlame.choices)
    requires_note = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.label
