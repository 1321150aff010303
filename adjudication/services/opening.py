"""Opening cases: a lead goes before the judges, and its case records what
they will see. Opening a case and moving its lead to ``in_review`` is one
transaction: a failure anywhere leaves neither."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Count

from adjudication import notify
from adjudication.models import Case, CaseKind
from adjudication.selectors import case_party_ids
from leadcourt.accounts import roles
from leadcourt.errors import Conflict, GuardFailed
from leads.models import Lead, ReviewMode, RulebookVersion
from leads.selectors import lead_followup_touch_count
from leads.services import TransitionStep, lead_transition

# --- opening cases ----------------------------------------------------------------


def case_snapshot(lead: Lead, rulebook: RulebookVersion, from_state: str) -> dict:
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


def case_open(step: TransitionStep, *, kind: str, sample_month: date | None = None) -> Case:
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
                snapshot=case_snapshot(lead, step.rulebook, step.from_state),
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


def case_open_ignored(*, lead: Lead, actor) -> Case:
    """mql → in_review (system): the decision deadline passed with no decision."""
    with lead_transition(lead=lead, actor=actor, name="flag_ignored") as step:
        due = step.lead.decision_due_at
        if due is None or step.now < due:
            raise GuardFailed("The decision deadline has not passed yet.", code="deadline_not_passed")
        step.lead.flag_ignored(at=step.now)
        case = case_open(step, kind=CaseKind.IGNORED)
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
        case = case_open(step, kind=CaseKind.NOT_FOLLOWED_UP)
    return case


def case_open_audit(*, lead: Lead, actor, sample_month: date | None = None) -> Case:
    """rejected (or returned, for the monthly sample) → in_review (system)."""
    with lead_transition(lead=lead, actor=actor, name="audit_sample") as step:
        step.lead.audit_sample(at=step.now)
        case = case_open(step, kind=CaseKind.AUDIT, sample_month=sample_month)
    return case


def case_open_audit_after_reject(step: TransitionStep) -> Case | None:
    """Review mode ``all_rejections``: every rejection goes before the judges
    at once, in the same transaction and under the same lock as the rejection
    itself (registered with ``leads.hooks`` by ``AdjudicationConfig.ready``).
    In the other modes a rejection waits for marketing's appeal, or the
    monthly sample."""
    if step.rulebook.review_mode != ReviewMode.ALL_REJECTIONS:
        return None
    audit = TransitionStep(
        lead=step.lead,
        actor=roles.system_actor(),
        name="audit_sample",
        rulebook=step.rulebook,
        now=step.now,
        from_state=step.lead.state,
    )
    step.lead.audit_sample(at=step.now)
    return case_open(audit, kind=CaseKind.AUDIT)
