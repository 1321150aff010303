"""Who is told what about a lead (SPEC §8): one small function per notified event.

Services and jobs call these inside their transaction, after the change is
written; the kernel's outbox (``notifications_queue``) records the rows and
mails them after commit. Nobody is told about their own action. Keys name the
event (a history row, a deadline), so retrying a job never repeats a mail.
What the judges and the parties are told about cases is the court's
(``adjudication/notify.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from leadcourt.notifications.compose import notify_others, notify_time
from leadcourt.notifications.models import NotificationKind
from leadcourt.notifications.services import Outgoing, notifications_queue


def lead_assigned(*, lead, event, actor) -> int:
    """The lead's rep: a lead was delivered or reassigned to them; a deadline
    now runs (a verdict that hands them the lead is ``case_decided``'s news)."""
    return notifications_queue(
        Outgoing(
            kind=NotificationKind.LEAD_ASSIGNED,
            recipient_id=rep_id,
            key=f"lead_assigned:event{event.pk}",
            lead_id=lead.pk,
            context={
                "transition": event.transition,
                "state": lead.state,
                "decision_due_at": notify_time(lead.decision_due_at),
                "followup_due_at": notify_time(lead.followup_due_at),
            },
        )
        for rep_id in notify_others([lead.assigned_rep_id], actor)
    )


def lead_rejected(*, lead, event, actor) -> int:
    """The lead's marketer: sales rejected (or returned after follow-up) their lead."""
    return notifications_queue(
        Outgoing(
            kind=NotificationKind.LEAD_REJECTED,
            recipient_id=marketer_id,
            key=f"lead_rejected:event{event.pk}",
            lead_id=lead.pk,
            context={
                "transition": event.transition,
                "reason": event.reason.label if event.reason_id else "",
                "note": event.note,
                "rep": str(actor),
                "appeal_due_at": notify_time(lead.appeal_due_at),
                # all_rejections mode: already before the judges, nothing to appeal.
                "audited": lead.state == "in_review",
            },
        )
        for marketer_id in notify_others([lead.marketer_id], actor)
    )


def deadline_reminders(*, kind: str, leads: Iterable[tuple[int, int, datetime]]) -> int:
    """Reps whose leads' deadlines are near: one reminder per lead and deadline.

    ``leads`` holds ``(lead id, rep id, deadline)``. The deadline is in the
    key: a reassignment (a new deadline) earns the new rep their own reminder.
    """
    field_name = "decision_due_at" if kind == NotificationKind.DECISION_REMINDER else "followup_due_at"
    return notifications_queue(
        Outgoing(
            kind=kind,
            recipient_id=rep_id,
            key=f"{kind}:lead{lead_id}:due{due.isoformat()}",
            lead_id=lead_id,
            context={field_name: notify_time(due)},
        )
        for lead_id, rep_id, due in leads
    )
