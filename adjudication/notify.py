"""Who is told what about a case (SPEC §8): the judges who may decide it, the
parties when it is decided, and everyone who must act when it is overdue.

Called inside the service's or job's transaction; the kernel's outbox records
the rows and mails them after commit. Keys name the case, so a retried job
never repeats a mail.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from leadcourt.accounts import roles
from leadcourt.accounts.models import NON_INDEPENDENT_DEPARTMENTS
from leadcourt.notifications.compose import notify_others, notify_time
from leadcourt.notifications.models import NotificationKind
from leadcourt.notifications.services import (
    Outgoing,
    Subject,
    notifications_queue,
    notifications_queue_to_every,
)


def _case_context(case) -> dict:
    return {"kind_label": case.get_kind_display(), "due_at": notify_time(case.due_at)}


def _judges_unbarred(rulebook):
    """Active judges not barred by ``independent_judges`` (parties are left
    out per case)."""
    judges = roles.active_users_with_role(roles.JUDGE)
    if rulebook.independent_judges:
        judges = judges.exclude(department__in=NON_INDEPENDENT_DEPARTMENTS)
    return judges


def _case_opened_key(case) -> str:
    return f"case_opened:case{case.pk}"


def _case_opened(case, judge_ids: Iterable[int]) -> Iterator[Outgoing]:
    context = _case_context(case)
    for judge_id in judge_ids:
        yield Outgoing(
            kind=NotificationKind.CASE_OPENED,
            recipient_id=judge_id,
            key=_case_opened_key(case),
            lead_id=case.lead_id,
            case_id=case.pk,
            context=context,
        )


def case_opened(*, case, rulebook, party_ids: Iterable[int]) -> int:
    """Every judge who may decide the case: active, not a party, and not
    barred by ``independent_judges`` (the rules of ``case_recusal_reason``,
    for all judges in one query)."""
    judges = _judges_unbarred(rulebook).exclude(pk__in=set(party_ids) - {None})
    return notifications_queue(_case_opened(case, judges.values_list("pk", flat=True).distinct()))


def cases_opened(*, cases_with_parties: Iterable[tuple[object, set[int]]], rulebook) -> int:
    """``case_opened`` for many cases at once (a sweep's batch): the same
    judges told about each case, its parties left out, in one statement
    (``notifications_queue_to_every``) whatever the number of cases."""
    return notifications_queue_to_every(
        kind=NotificationKind.CASE_OPENED,
        recipients=_judges_unbarred(rulebook),
        subjects=(
            Subject(
                key=_case_opened_key(case),
                lead_id=case.lead_id,
                case_id=case.pk,
                context=_case_context(case),
                excluding=frozenset(party_ids),
            )
            for case, party_ids in cases_with_parties
        ),
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
