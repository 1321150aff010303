"""Statements, votes and verdicts on open cases.

Rendering a verdict and moving the lead out of review is one transaction.
Every service here locks the lead, then the case (``case_lock_with_lead``).
"""

from __future__ import annotations

from collections import Counter

from django.db import transaction

from adjudication import notify
from adjudication.locks import case_lock_with_lead
from adjudication.models import (
    DECISIONS_BY_KIND,
    DECISIONS_FOR_SALES,
    STATEMENT_MAX_LENGTH,
    Case,
    CaseStatus,
    Decision,
    Finding,
    Statement,
    Vote,
)
from adjudication.selectors import case_party_ids, case_recusal_reason
from leadcourt import clock
from leadcourt.accounts import roles
from leadcourt.errors import ActionForbidden, Conflict, InvalidInput, InvalidTransition
from leadcourt.text import text_clean
from leads.models import Lead
from leads.selectors import rulebook_current
from leads.services import lead_transition

# --- statements ---------------------------------------------------------------------


def case_statement_add(*, case: Case, actor, text: str) -> Statement:
    """A party (the case's rep or marketer, or the lead's current ones) adds a
    statement to an open case."""
    with transaction.atomic():
        lead, locked = case_lock_with_lead(case)
        if actor.pk not in case_party_ids(locked, lead):
            raise ActionForbidden("Only the parties to a case (its rep and marketer) may add statements.")
        if locked.status != CaseStatus.OPEN:
            raise InvalidTransition(
                "The case is decided; no more statements.", state=locked.status, allowed=[]
            )
        text = text_clean(text)
        if not text:
            raise InvalidInput({"text": "Write the statement."})
        if len(text) > STATEMENT_MAX_LENGTH:
            raise InvalidInput({"text": f"At most {STATEMENT_MAX_LENGTH} characters."})
        return Statement.objects.create(case=locked, author=actor, text=text, created_at=clock.now())


# --- votes and verdicts -----------------------------------------------------------


def _vote_validate(*, case: Case, decision: str, rationale: str, finding: str, cause: str, reassign_to):
    errors: dict[str, str] = {}
    allowed = DECISIONS_BY_KIND[case.kind]
    if decision not in allowed:
        errors["decision"] = f"A {case.get_kind_display().lower()} case is decided by: " + ", ".join(allowed)
    if finding not in Finding.values:
        errors["finding"] = "Say where the problem lies: " + ", ".join(Finding.values)
    if not rationale:
        errors["rationale"] = "A verdict needs its rationale."
    if decision == Decision.RETURN and not cause:
        errors["cause"] = "Say why the lead goes back to marketing."
    if reassign_to is not None:
        if decision not in DECISIONS_FOR_SALES:
            errors["reassign_to"] = "Only a verdict that sends the lead back to sales can reassign it."
        elif not roles.active_users_with_role(roles.SALES_REP).filter(pk=reassign_to.pk).exists():
            errors["reassign_to"] = "Choose an active sales rep."
    if errors:
        raise InvalidInput(errors)


def case_verdict_render(
    *,
    case: Case,
    actor,
    decision: str,
    rationale: str,
    finding: str,
    cause: str = "",
    reassign_to=None,
) -> Vote:
    """A judge votes on an open case; when a majority of the rulebook's panel
    agrees, the verdict is applied to the case and its lead at once.

    With ``panel_size`` 1 every vote is the verdict. Parties never vote; with
    ``independent_judges`` on, sales and marketing judges never vote. A judge
    votes once per case (also a database constraint). On an even panel a tie
    stays open until another eligible judge breaks it. Locks the lead, then
    the case; of two judges racing, the second sees the case decided (409).
    """
    rationale = text_clean(rationale)
    cause = text_clean(cause)
    with transaction.atomic():
        lead, locked = case_lock_with_lead(case)
        rulebook = rulebook_current()
        if not (roles.is_judge(actor) or roles.is_superuser(actor)):
            raise ActionForbidden("Only judges may render verdicts.")
        recusal = case_recusal_reason(case=locked, judge=actor, rulebook=rulebook, lead=lead)
        if recusal:
            raise ActionForbidden(recusal, code="recused")
        if locked.status != CaseStatus.OPEN:
            raise InvalidTransition("This case has already been decided.", state=locked.status, allowed=[])
        if locked.votes.filter(judge=actor).exists():
            raise Conflict("You have already voted on this case.", code="already_voted")
        _vote_validate(
            case=locked,
            decision=decision,
            rationale=rationale,
            finding=finding,
            cause=cause,
            reassign_to=reassign_to,
        )
        now = clock.now()
        vote = Vote.objects.create(
            case=locked,
            judge=actor,
            decision=decision,
            finding=finding,
            rationale=rationale,
            cause=cause,
            reassign_to=reassign_to,
            cast_at=now,
        )
        votes = list(locked.votes.order_by("cast_at", "id"))
        majority = rulebook.votes_to_decide
        if Counter(v.decision for v in votes)[decision] >= majority:
            _verdict_apply(case=locked, lead=lead, votes=votes, decision=decision, judge=actor)
    return vote


def _verdict_apply(*, case: Case, lead: Lead, votes: list[Vote], decision: str, judge) -> None:
    """Decide the case and move its lead, in the caller's transaction.

    The opinion of the court is the first vote cast for the majority
    decision; votes for another decision remain on record as dissent.
    """
    opinion = next(v for v in votes if v.decision == decision)
    to_sales = decision in DECISIONS_FOR_SALES
    name = "verdict_follow_up" if to_sales else "verdict_return"
    with lead_transition(lead=lead, actor=judge, name=name) as step:
        if to_sales:
            step.lead.verdict_follow_up(
                at=step.now,
                rep=opinion.reassign_to,
                followup_due_at=step.rulebook.followup_due(step.now),
            )
        else:
            cause = opinion.cause or (
                f"Rejection upheld: {case.snapshot.get('reason_label') or case.reason_code}"
                if decision == Decision.UPHOLD
                else ""
            )
            step.lead.verdict_return(at=step.now, cause=cause)
        case.status = CaseStatus.DECIDED
        case.decided_at = step.now
        case.decision = decision
        case.finding = opinion.finding
        case.rationale = opinion.rationale
        case.cause = step.lead.return_cause if not to_sales else ""
        case.decided_by = judge
        case.save()
        step.record(
            transition=f"verdict_{decision}",
            note=opinion.rationale,
            data={
                "case": case.pk,
                "decision": decision,
                "finding": opinion.finding,
                "votes": len(votes),
                "dissent": sum(1 for v in votes if v.decision != decision),
            },
        )
        notify.case_decided(case=case, lead=step.lead, party_ids=case_party_ids(case, step.lead), actor=judge)
