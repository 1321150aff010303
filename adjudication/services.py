"""Every write to cases: opening them, statements, votes and verdicts.

Opening a case and moving its lead to ``in_review`` is one transaction, as is
rendering a verdict and moving the lead out of review: a failure anywhere
leaves neither. Lock order is always the lead, then the case (the lead lock
is taken by ``leads.services.lead_transition`` or ``lead_lock``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from adjudication.models import (
    DECISIONS_BY_KIND,
    DECISIONS_FOR_SALES,
    Case,
    CaseKind,
    CaseStatus,
    Decision,
    Finding,
    Statement,
    Vote,
)
from adjudication.sampling import rejections_eligible_for_sample, rejections_sample_pick, sample_cutoff
from adjudication.selectors import case_party_ids, case_recusal_reason
from leadcourt.accounts import roles
from leadcourt.errors import ActionForbidden, Conflict, GuardFailed, InvalidInput, InvalidTransition
from leadcourt.notifications import events as notify
from leads.locks import lead_lock
from leads.models import Lead, RulebookVersion
from leads.selectors import lead_followup_touch_count, rulebook_current
from leads.services import TransitionStep, lead_transition

STATEMENT_MAX_LENGTH = 10_000


# --- opening cases ----------------------------------------------------------------


def _case_snapshot(lead: Lead, rulebook: RulebookVersion, from_state: str) -> dict:
    """What the judges will see as it stood when the case opened."""
    touches = lead.touches.all()
    if lead.delivered_at is not None:
        touches = touches.filter(occurred_at__gte=lead.delivered_at)
    by_channel = dict(
        touches.order_by().values_list("channel").annotate(n=Count("id")).values_list("channel", "n")
    )
    grade = rulebook.grade_for(lead.criteria_count)
    return {
        "state_before": from_state,
        "reason": lead.rejection_reason_id or "",
        "reason_label": lead.rejection_reason.label if lead.rejection_reason_id else "",
        "note": lead.rejection_note,
        "rejected_at": lead.rejected_at.isoformat() if lead.rejected_at else None,
        "delivered_at": lead.delivered_at.isoformat() if lead.delivered_at else None,
        "criteria": lead.criteria,
        "grade": grade,
        "touches": {
            "count": sum(by_channel.values()),
            "by_channel": by_channel,
            "channels": len(by_channel),
            "followup_round": lead_followup_touch_count(lead=lead),
            "required": rulebook.touches_required(grade),
        },
    }


def _case_open(step: TransitionStep, *, kind: str, sample_month: date | None = None) -> Case:
    """Create the case for a lead that ``step`` has just moved into review,
    and record the transition. Runs inside the step's transaction."""
    lead = step.lead
    try:
        with transaction.atomic():
            case = Case.objects.create(
                kind=kind,
                lead=lead,
                rep_id=lead.assigned_rep_id,
                marketer_id=lead.marketer_id,
                opened_by=step.actor,
                opened_at=step.now,
                due_at=step.rulebook.review_due(step.now),
                snapshot=_case_snapshot(lead, step.rulebook, step.from_state),
                reason_code=lead.rejection_reason_id or "",
                sample_month=sample_month,
            )
    except IntegrityError as exc:
        # The one-open-case constraint (or one sample audit per month) held
        # even though the state check passed: someone else opened it first.
        raise Conflict("This lead already has an open case.", code="case_already_open") from exc
    step.record(data={"case": case.pk, "kind": kind})
    notify.case_opened(case=case, rulebook=step.rulebook, party_ids=case_party_ids(case, lead))
    return case


def case_open_appeal(*, lead: Lead, actor, argument: str) -> Case:
    """rejected → in_review: the owning marketer appeals within the appeal
    window; the argument becomes the case's first statement."""
    with lead_transition(lead=lead, actor=actor, name="appeal") as step:
        argument = (argument or "").strip()
        if not argument:
            raise InvalidInput({"argument": "State why sales should not have rejected this lead."})
        if len(argument) > STATEMENT_MAX_LENGTH:
            raise InvalidInput({"argument": f"At most {STATEMENT_MAX_LENGTH} characters."})
        due = step.lead.appeal_due_at
        if due is not None and step.now > due:
            raise GuardFailed(
                f"The appeal window closed on {timezone.localtime(due):%Y-%m-%d %H:%M}.",
                code="appeal_window_closed",
            )
        step.lead.appeal(at=step.now)
        case = _case_open(step, kind=CaseKind.APPEAL)
        Statement.objects.create(case=case, author=actor, text=argument, created_at=step.now)
    return case


def case_open_ignored(*, lead: Lead, actor) -> Case:
    """mql → in_review (system): the decision deadline passed with no decision."""
    with lead_transition(lead=lead, actor=actor, name="flag_ignored") as step:
        due = step.lead.decision_due_at
        if due is None or step.now < due:
            raise GuardFailed("The decision deadline has not passed yet.", code="deadline_not_passed")
        step.lead.flag_ignored(at=step.now)
        case = _case_open(step, kind=CaseKind.IGNORED)
    return case


def case_open_not_followed_up(*, lead: Lead, actor) -> Case:
    """sal → in_review (system): the follow-up deadline passed with fewer
    touches than the rulebook requires for the lead's grade."""
    with lead_transition(lead=lead, actor=actor, name="flag_unworked") as step:
        due = step.lead.followup_due_at
        if due is None or step.now < due:
            raise GuardFailed("The follow-up deadline has not passed yet.", code="deadline_not_passed")
        grade = step.rulebook.grade_for(step.lead.criteria_count)
        required = step.rulebook.touches_required(grade)
        done = lead_followup_touch_count(lead=step.lead)
        if done >= required:
            raise GuardFailed(f"The lead was followed up: {done} of {required} touches.", code="followed_up")
        step.lead.flag_unworked(at=step.now)
        case = _case_open(step, kind=CaseKind.NOT_FOLLOWED_UP)
    return case


def case_open_audit(*, lead: Lead, actor, sample_month: date | None = None) -> Case:
    """rejected (or returned, for the monthly sample) → in_review (system)."""
    with lead_transition(lead=lead, actor=actor, name="audit_sample") as step:
        step.lead.audit_sample(at=step.now)
        case = _case_open(step, kind=CaseKind.AUDIT, sample_month=sample_month)
    return case


def case_open_audit_locked(*, lead: Lead, rulebook: RulebookVersion, now: datetime) -> Case:
    """Open an audit case for a lead that the caller has just rejected, inside
    the caller's transaction and lock (review mode ``all_rejections``)."""
    step = TransitionStep(
        lead=lead,
        actor=roles.system_actor(),
        name="audit_sample",
        rulebook=rulebook,
        now=now,
        from_state=lead.state,
    )
    lead.audit_sample(at=now)
    return _case_open(step, kind=CaseKind.AUDIT)


# --- statements ---------------------------------------------------------------------


def case_statement_add(*, case: Case, actor, text: str) -> Statement:
    """A party (the case's rep or marketer, or the lead's current ones) adds a
    statement to an open case."""
    with transaction.atomic():
        lead = lead_lock(case.lead_id)
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if actor.pk not in case_party_ids(locked, lead):
            raise ActionForbidden("Only the parties to a case (its rep and marketer) may add statements.")
        if locked.status != CaseStatus.OPEN:
            raise InvalidTransition(
                "The case is decided; no more statements.", state=locked.status, allowed=[]
            )
        text = (text or "").strip()
        if not text:
            raise InvalidInput({"text": "Write the statement."})
        if len(text) > STATEMENT_MAX_LENGTH:
            raise InvalidInput({"text": f"At most {STATEMENT_MAX_LENGTH} characters."})
        return Statement.objects.create(case=locked, author=actor, text=text, created_at=timezone.now())


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
    rationale = (rationale or "").strip()
    cause = (cause or "").strip()
    with transaction.atomic():
        lead = lead_lock(case.lead_id)
        locked = Case.objects.select_for_update().get(pk=case.pk)
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
        now = timezone.now()
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


# --- the monthly sample ------------------------------------------------------------


@dataclass
class MonthlySampleResult:
    month: date
    eligible: int
    picked: list[int]
    opened: list[Case] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)


def monthly_sample_open_cases(*, month: date, actor) -> MonthlySampleResult:
    """Open audit cases for the reproducible sample of ``month``'s unappealed
    rejections (see ``adjudication.sampling``).

    Idempotent: a lead already audited for this month is skipped, and the
    (lead, sample month) unique constraint holds if two workers race. Each
    case opens in its own transaction, so one lead that can no longer be
    audited (recycled, won, already in review) does not stop the others; it
    is reported in ``skipped``.
    """
    # Any day names its month (as in ``month_bounds``); the idempotency key
    # ``sample_month`` must be the first day, or a run given the 20th would
    # audit again the leads a run given the 1st already audited.
    month = month.replace(day=1)
    rulebook = rulebook_current()
    eligible = rejections_eligible_for_sample(month=month, cutoff=sample_cutoff(month=month))
    picked = rejections_sample_pick(month=month, eligible_ids=eligible, percent=rulebook.sample_percent)
    result = MonthlySampleResult(month=month, eligible=len(eligible), picked=picked)
    already = set(
        Case.objects.filter(sample_month=month, lead_id__in=picked).values_list("lead_id", flat=True)
    )
    for lead_id in picked:
        if lead_id in already:
            result.skipped[lead_id] = "already audited for this month"
            continue
        try:
            result.opened.append(case_open_audit(lead=Lead(pk=lead_id), actor=actor, sample_month=month))
        except (InvalidTransition, Conflict) as exc:
            result.skipped[lead_id] = exc.message
    return result
