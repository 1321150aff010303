"""Who is told what about a case (SPEC §8): the judges who may decide it, the
parties when it is decided, and everyone who must act when cases are overdue
(one digest per person and escalation run).

Called inside the service's or job's transaction; the kernel's outbox records
the rows and mails them after commit. Keys name the case (or the escalation
run), so a retried job never repeats a mail.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

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


# Cases listed by name in one overdue digest, most overdue first; the digest
# says how many there are in all and points to the review queue for the rest.
# Fifty fit in a mail one reads to the end; a backlog of thousands would not.
DIGEST_CASES_LISTED = 50


@dataclass
class OverdueDigest:
    """The cases one escalation run escalated, as its digest tells them: how
    many, and the ``DIGEST_CASES_LISTED`` most overdue (oldest due first).
    Filled a batch at a time (``add``), so that a run over a backlog keeps
    only the listed cases' facts, not every case it escalated."""

    count: int = 0
    first_case_id: int | None = None
    listed: list[tuple] = field(default_factory=list)

    def add(self, cases: Iterable) -> None:
        for case in cases:
            self.count += 1
            self.first_case_id = min(case.pk, self.first_case_id or case.pk)
            self.listed.append((case.due_at, case.pk, _overdue_line(case)))
        self.listed = heapq.nsmallest(DIGEST_CASES_LISTED, self.listed, key=lambda item: item[:2])


def _overdue_line(case) -> dict:
    """What the digest says about one case (facts as at escalation)."""
    lead = case.lead
    return {
        "id": case.pk,
        "kind_label": case.get_kind_display(),
        "lead": str(lead),
        "company": lead.company,
        "due_at": notify_time(case.due_at),
    }


def cases_overdue(*, digest: OverdueDigest, escalated_at) -> int:
    """Every active judge and manager: one digest of the cases an escalation
    run escalated (they passed their review deadline without a verdict).

    One row per person whatever the number of cases. The key names the run
    (its moment and its first case: two runs at once escalate different
    cases), so a retried run never repeats a digest, and a second run finds
    no case left to escalate and sends none.
    """
    if not digest.count:
        return 0
    recipient_ids = sorted(
        (roles.active_users_with_role(roles.JUDGE) | roles.active_users_with_role(roles.MANAGER))
        .values_list("pk", flat=True)
        .distinct()
    )
    context = {
        "count": digest.count,
        "cases": [line for _, _, line in digest.listed],
        "more": digest.count - len(digest.listed),
        "escalated_at": notify_time(escalated_at),
    }
    key = f"case_overdue:escalated{notify_time(escalated_at)}:from-case{digest.first_case_id}"
    return notifications_queue(
        Outgoing(kind=NotificationKind.CASE_OVERDUE, recipient_id=user_id, key=key, context=context)
        for user_id in recipient_ids
    )
