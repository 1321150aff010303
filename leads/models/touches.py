"""Follow-up attempts a rep logs on a lead (SPEC §5)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from leadcourt import clock


class TouchChannel(models.TextChoices):
    CALL = "call", "Call"
    EMAIL = "email", "Email"
    MEETING = "meeting", "Meeting"
    SOCIAL = "social", "Social"
    SMS = "sms", "SMS"
    OTHER = "other", "Other"


class TouchOutcome(models.TextChoices):
    CONNECTED = "connected", "Connected"
    LEFT_MESSAGE = "left_message", "Left a message"
    NO_ANSWER = "no_answer", "No answer"
    REPLIED = "replied", "Replied"
    MEETING_BOOKED = "meeting_booked", "Meeting booked"
    BOUNCED = "bounced", "Bounced / wrong contact"
    OTHER = "other", "Other"


class Touch(models.Model):
    """A follow-up attempt by the rep (SPEC §5): judges weigh how many and how varied."""

    lead = models.ForeignKey("leads.Lead", on_delete=models.PROTECT, related_name="touches")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=16, choices=TouchChannel.choices)
    outcome = models.CharField(max_length=16, choices=TouchOutcome.choices)
    note = models.TextField(blank=True)
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name_plural = "touches"
        constraints = [
            models.CheckConstraint(name="touch_channel_valid", condition=Q(channel__in=TouchChannel.values)),
        ]
        indexes = [
            # Lead page and case snapshot: WHERE lead_id = ? ORDER BY occurred_at
            models.Index(fields=["lead", "occurred_at"], name="touch_lead_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} ({self.get_outcome_display()})"


# --- CSV import of leads (SPEC §9) ----------------------------------------------------
