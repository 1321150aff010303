"""Recording, delivering and muting notifications; users' preferences.

The shape (Zulip's "send events only after commit", as an outbox):
``notifications_queue`` runs inside the caller's transaction and writes one
pending row per recipient; after commit a Celery task delivers the rows
(``notification_deliver``). If the transaction rolls back, nothing was
recorded and nothing is sent. If the broker is down at commit, or the task
is lost with its worker, the rows stay pending and ``notifications_requeue_stale``
(the ``requeue_notifications`` job, every minute) queues them again; so too the
rows a worker claimed and died holding.
Delivery itself holds no transaction and no lock while it mails (healthchecks'
``sendalerts``: claim with a compare-and-set ``UPDATE``, work, mark done).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connections, router, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from leadcourt import clock
from leadcourt.errors import InvalidInput
from leadcourt.notifications.models import (
    ESSENTIAL_KINDS,
    Notification,
    NotificationKind,
    NotificationOptOut,
    NotificationStatus,
)

logger = logging.getLogger(__name__)

# Rows per delivery task when one change records many (an escalation to every
# judge and manager). A job's batch sends all of its rows in one task instead
# (``notifications_delivered_together``).
DELIVERY_CHUNK = 100
# A pending row older than this was not delivered by the task queued at
# commit (broker down, task lost with its worker): queue it again. That task
# normally runs within seconds; two minutes leaves room for a short queue,
# and a row queued twice is still mailed once. With the job every minute, a
# lost delivery goes out within about three minutes.
STALE_AFTER = timedelta(minutes=2)
# A claim this old belongs to a worker that died between claiming a row and
# marking it sent: another worker may take it over. Far longer than a send
# takes (the SMTP timeout, retries included), so that a live worker's claim is
# never taken, which would mail the recipient twice.
CLAIM_TIMEOUT = timedelta(minutes=10)

_muted: ContextVar[bool] = ContextVar("leadcourt_notifications_muted", default=False)
# While a ``notifications_delivered_together`` block runs: the ids its
# notifications_queue calls recorded, to be delivered by one task at its end.
_gathered: ContextVar[list[int] | None] = ContextVar("leadcourt_notifications_gathered", default=None)


@contextmanager
def notifications_muted() -> Iterator[None]:
    """Record and send no notifications in the block (the demo seed replays
    months of history through the services; nobody should get mail for it)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


@contextmanager
def notifications_delivered_together() -> Iterator[None]:
    """Deliver everything the block records with one task (one broker
    message), queued after commit like any delivery.

    For a job's batch: the decision sweep opens a thousand cases in one
    transaction, and a message per case (or per ``DELIVERY_CHUNK`` rows)
    would cost more broker round trips than the batch's SQL. Open it inside
    the batch's transaction. A nested block leaves the sending to the outer
    one; a block left by an exception queues nothing (its transaction is
    rolling back, and the rows with it).
    """
    if _gathered.get() is not None:
        yield
        return
    ids: list[int] = []
    token = _gathered.set(ids)
    try:
        yield
    finally:
        _gathered.reset(token)
    _deliver_after_commit(ids, per_task=len(ids))


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


@dataclass(frozen=True)
class Subject:
    """What one notification to many recipients is about
    (``notifications_queue_to_every``): its key, lead, case and context as in
    ``Outgoing``, and the recipients who must not hear of it (a case's parties)."""

    key: str
    lead_id: int | None = None
    case_id: int | None = None
    context: dict = field(default_factory=dict)
    excluding: frozenset[int] = frozenset()


def notifications_queue_to_every(*, kind: str, recipients: QuerySet, subjects: Iterable[Subject]) -> int:
    """``notifications_queue`` of ``kind`` to every user of ``recipients`` (a
    user queryset) about each subject, but the subject's ``excluding``: the
    same rows, dropped and deduplicated by the same rules.

    For a job's batch (the decision sweep tells every judge about each of a
    thousand cases): on PostgreSQL one ``INSERT … SELECT`` that crosses the
    subjects (one JSON parameter) with the recipients' query, skips who
    turned an optional kind off and lets the unique constraint drop the rows
    already recorded (``ON CONFLICT DO NOTHING``); no row is built in
    Python. Elsewhere (SQLite) it is ``notifications_queue`` of those rows.
    """
    if _muted.get():
        return 0
    subjects = list(subjects)
    if not subjects:
        return 0
    connection = connections[router.db_for_write(Notification)]
    if connection.vendor != "postgresql":
        recipient_ids = sorted(set(recipients.values_list("pk", flat=True)))
        return notifications_queue(
            Outgoing(
                kind=kind,
                recipient_id=recipient_id,
                key=subject.key,
                lead_id=subject.lead_id,
                case_id=subject.case_id,
                context=subject.context,
            )
            for subject in subjects
            for recipient_id in recipient_ids
            if recipient_id not in subject.excluding
        )
    ids = _notifications_insert_to_every(connection, kind, recipients, subjects)
    notifications_deliver_after_commit(ids)
    return len(ids)


def _notifications_insert_to_every(
    connection, kind: str, recipients: QuerySet, subjects: list[Subject]
) -> list[int]:
    """The rows of ``notifications_queue_to_every`` in one statement (PostgreSQL);
    returns the ids of the rows it recorded."""
    # Every other column as a row of ``notifications_queue`` has it (the
    # model's defaults: pending, now, no claim), taken from an unsaved row.
    template = Notification(kind=kind)
    per_subject = {"key": "s.v ->> 0", "lead_id": "s.v ->> 1", "case_id": "s.v ->> 2", "context": "s.v ->> 3"}
    columns, values, params = [], [], []
    for model_field in Notification._meta.concrete_fields:
        if model_field.primary_key:
            continue
        columns.append(connection.ops.quote_name(model_field.column))
        if model_field.attname == "recipient_id":
            values.append("u.id")
        elif model_field.attname in per_subject:
            values.append(f"({per_subject[model_field.attname]})::{model_field.db_type(connection)}")
        else:
            values.append("%s")
            params.append(model_field.get_db_prep_save(model_field.pre_save(template, True), connection))
    rows = json.dumps(
        [
            [
                subject.key,
                subject.lead_id,
                subject.case_id,
                json.dumps(subject.context),
                sorted(subject.excluding),
            ]
            for subject in subjects
        ],
        separators=(",", ":"),
    )
    users = recipients.order_by().values_list("pk", flat=True).distinct()
    users_sql, users_params = users.query.get_compiler(connection=connection).as_sql()
    opted_out = ""
    if kind not in ESSENTIAL_KINDS:
        opted_out = (
            f"AND NOT EXISTS (SELECT 1 FROM {NotificationOptOut._meta.db_table} o "  # noqa: S608
            "WHERE o.user_id = u.id AND o.kind = %s)"
        )
    # Only this module's own table and column names are formatted in. The
    # ORDER BY is the stable order of notifications_queue: two workers
    # inserting overlapping rows wait on each other in the same order.
    sql = (
        f"INSERT INTO {Notification._meta.db_table} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(values)} "
        f"FROM jsonb_array_elements(%s::jsonb) AS s(v) CROSS JOIN ({users_sql}) AS u(id) "
        f"WHERE NOT (s.v -> 4) @> to_jsonb(u.id) {opted_out} "
        "ORDER BY s.v ->> 0, u.id ON CONFLICT DO NOTHING RETURNING id"
    )
    params = [*params, rows, *users_params]
    if opted_out:
        params.append(kind)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def notifications_deliver_after_commit(ids: list[int]) -> None:
    """Queue delivery tasks once the current transaction commits (inside a
    ``notifications_delivered_together`` block: with the block's one task).

    ``robust``: a broker that refuses the message must not turn a committed
    change into an error page; the rows stay pending and are re-queued later.
    """
    gathered = _gathered.get()
    if gathered is not None:
        gathered.extend(ids)
        return
    _deliver_after_commit(ids, per_task=DELIVERY_CHUNK)


def _deliver_after_commit(ids: list[int], *, per_task: int) -> None:
    if not ids:
        return

    def enqueue() -> None:
        from leadcourt.notifications.tasks import notification_deliver

        for start in range(0, len(ids), per_task):
            notification_deliver.delay(ids[start : start + per_task])

    transaction.on_commit(enqueue, robust=True)


def notifications_requeue_stale() -> int:
    """Queue again the pending rows whose delivery task never ran, and the
    rows whose claim a dead worker abandoned mid-send (``sending`` past
    ``CLAIM_TIMEOUT``: the task may have been acknowledged, or its redelivery
    found the claim still fresh). Delivery claims each row again, so a row
    queued twice is still mailed once."""
    now = clock.now()
    ids = list(
        Notification.objects.filter(
            Q(status=NotificationStatus.PENDING, created_at__lt=now - STALE_AFTER)
            | Q(status=NotificationStatus.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
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
    # Also in lists of items (the cases of an overdue digest).
    return {
        name: parse_datetime(value)
        if name.endswith("_at") and isinstance(value, str)
        else [_context_data(item) if isinstance(item, dict) else item for item in value]
        if isinstance(value, list)
        else value
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


def _claim(notification_id: int) -> QuerySet[Notification] | None:
    """Claim one notification for this worker: ``pending`` → ``sending``.

    One compare-and-set ``UPDATE``, committed at once (autocommit): no
    transaction stays open and no row lock is held after it returns. Of two
    workers racing for the same row, PostgreSQL makes the second wait for the
    first's update, re-checks the condition on the new row and matches
    nothing, so exactly one claims it. A ``sending`` row whose claim is older
    than ``CLAIM_TIMEOUT`` was left by a worker that died mid-send and is
    claimable again; a fresher one is being mailed by someone else and is not.

    Returns the queryset that stands for this worker's claim (the row while
    it is still ``sending`` with the ``claimed_at`` written here), or None if
    the claim was not won.
    """
    now = clock.now()
    claimed = Notification.objects.filter(
        Q(status=NotificationStatus.PENDING)
        | Q(status=NotificationStatus.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT),
        pk=notification_id,
    ).update(status=NotificationStatus.SENDING, claimed_at=now)
    if not claimed:
        return None
    return Notification.objects.filter(pk=notification_id, status=NotificationStatus.SENDING, claimed_at=now)


def _release(claim: QuerySet[Notification], notification_id: int) -> None:
    """Hand a claim back (``sending`` → ``pending``) so that the task's retry,
    or the next re-queue, can claim it at once instead of after the timeout.

    Best effort: it runs while another exception is on its way out, and if
    the database is what failed, the claim simply goes stale and is taken
    over after ``CLAIM_TIMEOUT``.
    """
    try:
        claim.update(status=NotificationStatus.PENDING, claimed_at=None)
    except Exception:
        logger.exception("could not release the claim on notification %s", notification_id)


def _skip_reason(notification: Notification) -> str:
    """Why this notification must not be mailed after all ("" if it must)."""
    recipient = notification.recipient
    if not recipient.is_active:
        return "recipient is inactive"
    if not recipient.email:
        return "recipient has no email address"
    if (
        notification.kind not in ESSENTIAL_KINDS
        and NotificationOptOut.objects.filter(user=recipient, kind=notification.kind).exists()
    ):
        # Turned off after the row was recorded.
        return "recipient turned this kind off"
    return ""


def notification_deliver(*, notification_id: int) -> str:
    """Mail one pending notification; return what happened.

    Call with no transaction open (a Celery task, or an on-commit callback):
    the point is that nothing is held while the mail server is talked to.
    A transaction around an SMTP conversation keeps a database connection
    idle in transaction and the row locked for as long as the mail server
    takes (seconds, or a timeout's worth), and a commit that fails after the
    mail went out would leave a sent mail recorded as pending.

    So delivery is three short steps, each its own autocommitted statement
    and none holding a lock across the next:

    1. claim the row with a compare-and-set update (``_claim``): of two
       workers with the same id exactly one wins, the other returns
       "nothing to do";
    2. check the recipient and render, then send, with no transaction open.
       A failure releases the claim (back to ``pending``) and propagates, so
       that the task's autoretry tries again;
    3. mark it ``sent`` with a second compare-and-set update that only
       matches while this worker still holds its claim.

    At least once, never twice after a successful mark: a worker that dies
    between sending and marking leaves the row ``sending``; once the claim is
    older than ``CLAIM_TIMEOUT`` another worker (``notifications_requeue_stale``
    queues it again) claims it and mails it a second time. A marked row is
    never claimed again.
    """
    claim = _claim(notification_id)
    if claim is None:
        return "nothing to do"
    try:
        notification = claim.select_related("recipient", "lead", "case").first()
        if notification is None:
            # Deleted (with its recipient, lead or case) since the claim.
            return "nothing to do"
        reason = _skip_reason(notification)
        if reason:
            claim.update(status=NotificationStatus.SKIPPED, skip_reason=reason)
            return f"skipped: {reason}"
        subject, body = _render(notification)
        EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.recipient.email],
            headers={"X-LeadCourt-Notification": notification.kind},
        ).send(fail_silently=False)
    except BaseException:
        # As far as this worker knows nothing went out (a server that took the
        # message and then dropped the connection gets it again: at least
        # once). Also on a worker's shutdown (SystemExit) or a task time
        # limit: the row goes back to pending rather than waiting out the
        # timeout.
        _release(claim, notification_id)
        raise
    # Not released on failure from here on: the mail went out, and a row left
    # "sending" is mailed again only after the timeout, not at once.
    marked = claim.update(status=NotificationStatus.SENT, sent_at=clock.now(), subject=subject)
    if not marked:
        # This worker was so slow that its claim went stale and another
        # worker took the row over; that one records its own delivery.
        logger.warning("notification %s was sent, but its claim had been taken over", notification_id)
        return "sent; claim taken over"
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
