"""Marketing campaigns: a forecast is marketing's commitment, so a campaign
needs one before it goes live (SPEC §7)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from leadcourt import clock


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    LIVE = "live", "Live"
    ENDED = "ended", "Ended"


class Campaign(models.Model):
    """A marketing campaign; it needs a forecast before it can go live (SPEC §7)."""

    name = models.CharField(max_length=200, unique=True)
    source = models.CharField(max_length=64, blank=True)
    marketer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="campaigns",
    )
    status = models.CharField(max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    forecast_leads = models.PositiveIntegerField(null=True, blank=True)
    forecast_mqls = models.PositiveIntegerField(null=True, blank=True)
    forecast_revenue = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    budget = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="campaign_live_needs_forecast",
                condition=Q(status=CampaignStatus.DRAFT)
                | Q(
                    forecast_leads__isnull=False,
                    forecast_mqls__isnull=False,
                    forecast_revenue__isnull=False,
                    budget__isnull=False,
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name
