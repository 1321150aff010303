"""Who is told what about a case (SPEC §8): the judges who may decide it, the
parties when it is decided, and everyone who must act when it is overdue.

Called inside the service's or job's transaction; the kernel's outbox records
the rows and mails them after commit. Keys name the case, so a retried job
never repeats a mail.
"""

from __future__ import annotations

from collections.abc import Iterable

from leadcourt.accounts import roles
from leadcourt.accounts.models import NON_INDEPENDENT_DEPARTMENTS
from leadcourt.notifications.compose import notify_others, notify_time
from leadcourt.notifications.models import NotificationKind
from leadcourt.notifications.services import Outgoing, notifications_queue


def _case_context(case) -> dict:
    return {"kind_label": case.get_kind_display(), "due_at": notify_time(case.due_at)}


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
                "followup_due_at": notify_time(lead.followup_due_at),
            },
        )
        for user_id in notify_others(party_ids, actor)
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
