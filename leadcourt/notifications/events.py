"""Who is told about what: one small function per notified event (SPEC §8).

Services and jobs call these inside their transaction, after the change is
written; ``notifications_queue`` records the rows and mails them after
commit. Nobody is told about their own action. Keys name the event (a
history row, a case, a deadline), so retrying a job never repeats a mail.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from adjudication.selectors import NON_INDEPENDENT_DEPARTMENTS
from leadcourt.accounts import roles
from leadcourt.notifications.models import NotificationKind
from leadcourt.notifications.services import Outgoing, notifications_queue


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _others(user_ids: Iterable[int | None], actor=None) -> list[int]:
    """The users to tell, each once: never the one who acted."""
    return sorted(set(user_ids) - {None, getattr(actor, "pk", None)})


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
                "decision_due_at": _iso(lead.decision_due_at),
                "followup_due_at": _iso(lead.followup_due_at),
            },
        )
        for rep_id in _others([lead.assigned_rep_id], actor)
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
                "appeal_due_at": _iso(lead.appeal_due_at),
                # all_rejections mode: already before the judges, nothing to appeal.
                "audited": lead.state == "in_review",
            },
        )
        for marketer_id in _others([lead.marketer_id], actor)
    )


def _case_context(case) -> dict:
    return {"kind_label": case.get_kind_display(), "due_at": _iso(case.due_at)}


def case_opened(*, case, rulebook, party_ids: Iterable[int]) -> int:
    """Every judge who may decide the case: active, not a party, and not
    barred by ``independent_judges`` (the rules of ``case_recusal_reason``,
    for all judges in one query)."""
    judges = roles.active_users_with_role(roles.JUDGE).exclude(pk__in=set(party_ids) - {None})
    if rulebook.independent_judges:
        judges = judges.exclude(department__in=NON_INDEPENDENT_DEPARTMENTS)
    return notifications_queue(
        Outgoing(
            kind=NotificationKind.CASE_OPENED,
            recipient_id=judge_id,
            key=f"case_opened:case{case.pk}",
            lead_id=case.lead_id,
            case_id=case.pk,
            context=_case_context(case),
        )
        for judge_id in judges.values_list("pk", flat=True).distinct()
    )


def case_decided(*, case, lead, party_ids: Iterable[int], actor) -> int:
    """Both parties (the case's rep and marketer, and the lead's current ones,
    so a rep the verdict hands the lead to hears of it too)."""
    return notifications_queue(
        Outgoing(
            kind=NotificationKind.CASE_DECIDED,
            recipient_id=user_id,
            key=f"case_decided:case{case.pk}",
            lead_id=case.lead_id,
            case_id=case.pk,
            context={
                **_case_context(case),
                "decision": case.decision,
                "decision_label": case.get_decision_display(),
                "finding_label": case.get_finding_display(),
                "rationale": case.rationale,
                "cause": case.cause,
                "judge": str(actor),
                "rep": str(lead.assigned_rep) if lead.assigned_rep_id else "",
                "followup_due_at": _iso(lead.followup_due_at),
            },
        )
        for user_id in _others(party_ids, actor)
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
            context={field_name: _iso(due)},
        )
        for lead_id, rep_id, due in leads
    )


def cases_overdue(*, cases: Iterable) -> int:
    """Every active judge and manager: these cases passed their review
    deadline without a verdict (one escalation per case)."""
    recipient_ids = sorted(
        (roles.active_users_with_role(roles.JUDGE) | roles.active_users_with_role(roles.MANAGER))
        .values_list("pk", flat=True)
        .distinct()
    )
    return notifications_queue(
        Outgoing(
            kind=NotificationKind.CASE_OVERDUE,
            recipient_id=user_id,
            key=f"case_overdue:case{case.pk}",
            lead_id=case.lead_id,
            case_id=case.pk,
            context=_case_context(case),
        )
        for case in cases
        for user_id in recipient_ids
    )
