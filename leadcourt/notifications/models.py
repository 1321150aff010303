"""Email notifications (SPEC §8): an outbox of what is sent to whom, and who
turned which kinds off.

A notification row is written in the same transaction as the change it is
about (the lead assigned, the case opened, …) and mailed by a Celery task
after commit. The row is the idempotency key: ``(recipient, key)`` is unique,
so the same reminder or escalation is recorded once, whichever worker or
retry tries again; delivery claims the pending row with a compare-and-set
update (``pending`` → ``sending``) and mails it outside any transaction, so it
is mailed once too, and no row lock is held while the mail server talks.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from leadcourt import clock
from leadcourt.accounts import roles


class NotificationKind(models.TextChoices):
    LEAD_ASSIGNED = "lead_assigned", "A lead is assigned to you"
    DECISION_REMINDER = "decision_reminder", "Reminder before a lead's decision deadline"
    FOLLOWUP_REMINDER = "followup_reminder", "Reminder before a lead's follow-up deadline"
    LEAD_REJECTED = "lead_rejected", "Sales rejected one of your leads"
    CASE_OPENED = "case_opened", "A new case for the judges"
    CASE_OVERDUE = "case_overdue", "Cases overdue for a verdict (one email listing them)"
    CASE_DECIDED = "case_decided", "A verdict on a case you are a party to"


# Kinds nobody can turn off: each one starts a clock the recipient must act
# on (a decision deadline, a review deadline) or rules on their work. The
# others repeat what the inbox, the rejected-leads page and the review queue
# already show, so a user may mute them.
ESSENTIAL_KINDS = frozenset(
    {NotificationKind.LEAD_ASSIGNED, NotificationKind.CASE_OPENED, NotificationKind.CASE_DECIDED}
)
OPTIONAL_KINDS = tuple(kind for kind in NotificationKind if kind not in ESSENTIAL_KINDS)

# Who receives each kind (SPEC §8), so that the preferences page offers a user
# only the emails their roles can get.
KIND_ROLES = {
    NotificationKind.LEAD_ASSIGNED: (roles.SALES_REP,),
    NotificationKind.DECISION_REMINDER: (roles.SALES_REP,),
    NotificationKind.FOLLOWUP_REMINDER: (roles.SALES_REP,),
    NotificationKind.LEAD_REJECTED: (roles.MARKETER,),
    NotificationKind.CASE_OPENED: (roles.JUDGE,),
    NotificationKind.CASE_OVERDUE: (roles.JUDGE, roles.MANAGER),
    NotificationKind.CASE_DECIDED: (roles.SALES_REP, roles.MARKETER),
}


def notification_kinds_for(user) -> list[NotificationKind]:
    """The kinds this user can receive, in declaration order (all for superusers)."""
    if roles.is_superuser(user):
        return list(NotificationKind)
    held = roles.user_roles(user)
    return [kind for kind in NotificationKind if held.intersection(KIND_ROLES[kind])]


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    # Claimed by one delivery worker, which is mailing it now. A claim older
    # than the delivery timeout belongs to a worker that died mid-send and may
    # be taken over (see services.notification_deliver).
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped"


class Notification(models.Model):
    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    # What the notification is about, e.g. "decision_reminder:lead42:due2025-01-20T16:00:00+00:00":
    # with the recipient, the idempotency key.
    key = models.CharField(max_length=200)
    lead = models.ForeignKey(
        "leads.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey(
        "adjudication.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    # Facts as they were when the event happened (a deadline, a decision),
    # rendered into the email even if the lead has moved on since.
    context = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=8, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    created_at = models.DateTimeField(default=clock.now, editable=False)
    # When a delivery worker last claimed the row. While the row is
    # ``sending`` it is also that worker's claim: marking the row sent only
    # succeeds where it still holds the value the worker wrote, so a worker
    # whose stale claim was taken over cannot overwrite the new one.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    subject = models.CharField(max_length=300, blank=True, help_text="The subject line as sent.")
    skip_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_recipient_key"),
            models.CheckConstraint(
                name="notification_status_valid", condition=Q(status__in=NotificationStatus.values)
            ),
            # A claim without a time could never go stale: if its worker died
            # the row would stay "sending" for ever, never mailed.
            models.CheckConstraint(
                name="notification_sending_has_claim",
                condition=~Q(status=NotificationStatus.SENDING) | Q(claimed_at__isnull=False),
            ),
        ]
        indexes = [
            # Re-queueing what was never delivered: WHERE status = 'pending' AND created_at < ?
            models.Index(
                fields=["created_at"],
                name="notification_pending_idx",
                condition=Q(status=NotificationStatus.PENDING),
            ),
            # Re-queueing claims abandoned by a dead worker:
            # WHERE status = 'sending' AND claimed_at < ?  (a handful of rows at any time)
            models.Index(
                fields=["claimed_at"],
                name="notification_sending_idx",
                condition=Q(status=NotificationStatus.SENDING),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient}"


class NotificationOptOut(models.Model):
    """A user turned one optional kind of notification off. No row: on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_opt_outs"
    )
    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_opt_out_once"),
            # Essential kinds cannot be turned off, not even from the admin.
            models.CheckConstraint(
                name="notification_opt_out_optional_kinds_only",
                condition=Q(kind__in=[str(kind) for kind in OPTIONAL_KINDS]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} turned off “{self.get_kind_display()}”"
