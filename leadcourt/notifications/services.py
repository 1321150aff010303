"""Recording, delivering and muting notifications; users' preferences.

The shape (Zulip's "send events only after commit", as an outbox):
``notifications_queue`` runs inside the caller's transaction and writes one
pending row per recipient; after commit a Celery task delivers the rows
(``notification_deliver``). If the transaction rolls back, nothing was
recorded and nothing is sent. If the broker is down at commit, the rows stay
pending and ``notifications_requeue_stale`` (run by the hourly escalation
job) queues them again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from leadcourt.errors import InvalidInput
from leadcourt.notifications.models import (
    ESSENTIAL_KINDS,
    Notification,
    NotificationKind,
    NotificationOptOut,
    NotificationStatus,
)

logger = logging.getLogger(__name__)

# Rows per delivery task: a sweep that opens a thousand cases queues a few
# tasks, not a thousand.
DELIVERY_CHUNK = 100
# A pending row older than this was not delivered by the task queued at
# commit (broker down, task lost): queue it again.
STALE_AFTER = timedelta(minutes=15)

_muted: ContextVar[bool] = ContextVar("leadcourt_notifications_muted", default=False)


@contextmanager
def notifications_muted() -> Iterator[None]:
    """Record and send no notifications in the block (the demo seed replays
    months of history through the services; nobody should get mail for it)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


@dataclass(frozen=True)
class Outgoing:
    """One notification to record: ``kind`` to ``recipient_id`` about ``key``."""

    kind: str
    recipient_id: int
    key: str
    lead_id: int | None = None
    case_id: int | None = None
    context: dict = field(default_factory=dict)


def notifications_queue(outgoing: Iterable[Outgoing]) -> int:
    """Record pending notifications and deliver them after commit.

    Call inside the transaction of the change they announce. Drops recipients
    who turned an optional kind off and (recipient, key) pairs already
    recorded; the unique constraint settles a race between two workers
    (``ON CONFLICT DO NOTHING``). Returns how many rows this call recorded
    (under a race both callers may count the same row; the table holds one).
    A handful of queries whatever the number of rows.
    """
    if _muted.get():
        return 0
    items = list({(o.recipient_id, o.key): o for o in outgoing if o.recipient_id}.values())
    if not items:
        return 0
    optional = {o.kind for o in items} - ESSENTIAL_KINDS
    recipients = {o.recipient_id for o in items}
    opted_out = set()
    if optional:
        opted_out = set(
            NotificationOptOut.objects.filter(kind__in=optional, user_id__in=recipients).values_list(
                "user_id", "kind"
            )
        )
    items = [o for o in items if (o.recipient_id, o.kind) not in opted_out]
    keys = {o.key for o in items}
    existing = set(
        Notification.objects.filter(key__in=keys, recipient_id__in=recipients).values_list(
            "recipient_id", "key"
        )
    )
    new = [o for o in items if (o.recipient_id, o.key) not in existing]
    if not new:
        return 0
    # A stable order: two workers inserting overlapping rows wait on each
    # other's unique-index entries in the same order, never crosswise.
    new.sort(key=lambda o: (o.key, o.recipient_id))
    Notification.objects.bulk_create(
        [
            Notification(
                kind=o.kind,
                recipient_id=o.recipient_id,
                key=o.key,
                lead_id=o.lead_id,
                case_id=o.case_id,
                context=o.context,
            )
            for o in new
        ],
        ignore_conflicts=True,
    )
    ids = list(
        Notification.objects.filter(
            key__in={o.key for o in new},
            recipient_id__in={o.recipient_id for o in new},
            status=NotificationStatus.PENDING,
        ).values_list("pk", flat=True)
    )
    notifications_deliver_after_commit(ids)
    return len(new)


def notifications_deliver_after_commit(ids: list[int]) -> None:
    """Queue delivery tasks once the current transaction commits.

    ``robust``: a broker that refuses the message must not turn a committed
    change into an error page; the rows stay pending and are re-queued later.
    """
    if not ids:
        return

    def enqueue() -> None:
        from leadcourt.notifications.tasks import notification_deliver

        for start in range(0, len(ids), DELIVERY_CHUNK):
            notification_deliver.delay(ids[start : start + DELIVERY_CHUNK])

    transaction.on_commit(enqueue, robust=True)


def notifications_requeue_stale() -> int:
    """Queue again the pending rows whose delivery task never ran."""
    ids = list(
        Notification.objects.filter(
            status=NotificationStatus.PENDING, created_at__lt=timezone.now() - STALE_AFTER
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:10_000]
    )
    notifications_deliver_after_commit(ids)
    return len(ids)


# --- delivery ------------------------------------------------------------------


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _context_data(data: dict) -> dict:
    # Moments are stored as ISO strings (JSON); templates format datetimes.
    return {
        name: parse_datetime(value) if name.endswith("_at") and isinstance(value, str) else value
        for name, value in data.items()
    }


def _render(notification: Notification) -> tuple[str, str]:
    context = {
        "recipient": notification.recipient,
        "lead": notification.lead,
        "case": notification.case,
        "data": _context_data(notification.context),
        "site_url": settings.SITE_URL.rstrip("/"),
        "lead_url": _absolute(reverse("lead-detail", args=[notification.lead_id]))
        if notification.lead_id
        else "",
        "case_url": _absolute(reverse("case-detail", args=[notification.case_id]))
        if notification.case_id
        else "",
        "preferences_url": _absolute(reverse("notification-preferences")),
        "optional": notification.kind not in ESSENTIAL_KINDS,
    }
    subject = render_to_string(f"email/{notification.kind}_subject.txt", context)
    # Subjects are one line: a stray newline would break the header.
    subject = " ".join(subject.split())[:300]
    body = render_to_string(f"email/{notification.kind}.txt", context).strip() + "\n"
    return subject, body


def notification_deliver(*, notification_id: int) -> str:
    """Mail one pending notification; return what happened.

    Claims the row with ``FOR UPDATE SKIP LOCKED``: a second worker holding
    the same id finds it locked or already sent and does nothing. The row is
    marked sent in the same transaction as the claim, so a crash before the
    commit leaves it pending for a retry (at least once, never twice after a
    successful commit). Mail errors propagate so that the task retries.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient", "lead", "case")
            .filter(pk=notification_id, status=NotificationStatus.PENDING)
            .first()
        )
        if notification is None:
            return "nothing to do"
        recipient = notification.recipient
        reason = ""
        if not recipient.is_active:
            reason = "recipient is inactive"
        elif not recipient.email:
            reason = "recipient has no email address"
        elif (
            notification.kind not in ESSENTIAL_KINDS
            and NotificationOptOut.objects.filter(user=recipient, kind=notification.kind).exists()
        ):
            # Turned off after the row was recorded.
            reason = "recipient turned this kind off"
        if reason:
            notification.status = NotificationStatus.SKIPPED
            notification.skip_reason = reason
            notification.save(update_fields=["status", "skip_reason"])
            return f"skipped: {reason}"
        subject, body = _render(notification)
        EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[recipient.email],
            headers={"X-LeadCourt-Notification": notification.kind},
        ).send(fail_silently=False)
        notification.status = NotificationStatus.SENT
        notification.sent_at = timezone.now()
        notification.subject = subject
        notification.save(update_fields=["status", "sent_at", "subject"])
    return "sent"


# --- preferences -------------------------------------------------------------------


def notification_kinds_enabled(*, user) -> set[str]:
    """The kinds ``user`` receives: the essential ones and every optional one not turned off."""
    off = set(NotificationOptOut.objects.filter(user=user).values_list("kind", flat=True))
    return {str(kind) for kind in NotificationKind} - off


def notification_preferences_set(*, user, disabled: Iterable[str]) -> set[str]:
    """Turn exactly ``disabled`` off for ``user`` (every other optional kind on).

    Essential kinds cannot be turned off: asking to is an ``InvalidInput``
    and changes nothing. Returns the kinds now off.
    """
    disabled = set(disabled)
    unknown = disabled - set(NotificationKind.values)
    essential = disabled & ESSENTIAL_KINDS
    if unknown or essential:
        errors = []
        if unknown:
            errors.append(f"Unknown kinds: {', '.join(sorted(unknown))}.")
        if essential:
            labels = ", ".join(sorted(NotificationKind(kind).label for kind in essential))
            errors.append(f"These cannot be turned off: {labels}.")
        raise InvalidInput({"disabled": errors})
    with transaction.atomic():
        NotificationOptOut.objects.filter(user=user).exclude(kind__in=disabled).delete()
        NotificationOptOut.objects.bulk_create(
            [NotificationOptOut(user=user, kind=kind) for kind in sorted(disabled)],
            ignore_conflicts=True,
        )
    return disabled
