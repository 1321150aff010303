"""Each kind of case from opening to verdict (SPEC §2 transitions, SPEC §6).

The clock starts on Monday 13 January 2025, 09:00 London, and the rulebook
counts deadlines in working time (Mon–Fri 09:00–17:00): review_days 5 is 40
working hours, followup_days 14 is 112, decision_hours 48 is six working days.
Expected deadlines below are written out as wall-clock times on purpose.
"""

from __future__ import annotations

import pytest

from adjudication import services as court
from adjudication.models import CaseKind, CaseStatus
from leadcourt.accounts import roles
from leadcourt.errors import GuardFailed, InvalidInput
from leads import services
from leads.models import LeadEvent, LeadState
from leads.selectors import lead_followup_touch_count, rulebook_current
from tests import factories
from tests.adjudication.builders import appeal_case, nothing_written, verdict
from tests.clock import london
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def history(lead) -> list[tuple[str, str, str, str]]:
    return list(
        LeadEvent.objects.filter(lead=lead)
        .order_by("occurred_at", "id")
        .values_list("transition", "from_state", "to_state", "actor__username")
    )


def last_event(lead) -> LeadEvent:
    return LeadEvent.objects.filter(lead=lead).order_by("occurred_at", "id").last()


def assert_decided(case, *, decision, finding, rationale, judge, at, cause="") -> None:
    case.refresh_from_db()
    assert case.status == CaseStatus.DECIDED
    assert (case.decision, case.finding, case.rationale, case.cause) == (decision, finding, rationale, cause)
    assert (case.decided_by, case.decided_at) == (judge, at)


# --- appeal -------------------------------------------------------------------------


def test_marketer_appeal_opens_a_case_with_the_argument_first_and_the_rejection_frozen(clock, marketer, rep):
    lead = factories.mql(marketer, rep, source="Webinar")
    for minutes, channel in ((10, "call"), (20, "call"), (30, "email")):
        clock.set(london(2025, 1, 13, 9, minutes))
        services.lead_touch_log(lead=lead, actor=rep, channel=channel, outcome="no_answer")
    clock.set(london(2025, 1, 13, 11, 0))
    services.lead_reject(lead=lead, actor=rep, reason="no_budget", note="No money this year.")

    clock.set(london(2025, 1, 14, 11, 0))
    case = court.case_open_appeal(lead=lead, actor=marketer, argument="  The CFO confirmed budget.  ")

    case.refresh_from_db()
    lead.refresh_from_db()
    assert lead.state == LeadState.IN_REVIEW
    assert lead.in_review_at == london(2025, 1, 14, 11, 0)
    assert case.kind == CaseKind.APPEAL
    assert case.status == CaseStatus.OPEN
    assert (case.rep, case.marketer, case.opened_by) == (rep, marketer, marketer)
    assert case.opened_at == london(2025, 1, 14, 11, 0)
    # Five working days from Tuesday 11:00 end the next Tuesday at 11:00.
    assert case.due_at == london(2025, 1, 21, 11, 0)
    assert case.reason_code == "no_budget"
    assert [(s.author, s.text) for s in case.statements.all()] == [(marketer, "The CFO confirmed budget.")]
    snapshot = case.snapshot
    assert snapshot["state_before"] == LeadState.REJECTED
    assert (snapshot["reason"], snapshot["reason_label"], snapshot["note"]) == (
        "no_budget",
        "No budget",
        "No money this year.",
    )
    assert snapshot["touches"]["count"] == 3
    assert snapshot["touches"]["by_channel"] == {"call": 2, "email": 1}
    assert snapshot["touches"]["channels"] == 2
    assert history(lead)[-1] == ("appeal", LeadState.REJECTED, LeadState.IN_REVIEW, "marketer")
    assert last_event(lead).data == {"case": case.pk, "kind": "appeal"}


def test_upholding_an_appeal_returns_the_lead_to_marketing_with_the_cause_recorded(
    clock, marketer, rep, judge
):
    case = appeal_case(marketer, rep)
    clock.set(london(2025, 1, 15, 10, 0))

    vote = court.case_verdict_render(
        case=case, actor=judge, decision="uphold", finding="marketing", rationale="  No budget until Q3.  "
    )

    case.refresh_from_db()
    lead = case.lead
    lead.refresh_from_db()
    assert lead.state == LeadState.RETURNED
    assert lead.returned_at == london(2025, 1, 15, 10, 0)
    assert lead.return_cause == "Rejection upheld: No budget"
    assert lead.appeal_due_at is None
    assert case.status == CaseStatus.DECIDED
    assert (case.decision, case.finding, case.rationale) == ("uphold", "marketing", "No budget until Q3.")
    assert case.cause == "Rejection upheld: No budget"
    assert (case.decided_by, case.decided_at) == (judge, london(2025, 1, 15, 10, 0))
    assert (vote.judge, vote.decision, vote.cast_at) == (judge, "uphold", london(2025, 1, 15, 10, 0))
    assert history(lead)[-1] == ("verdict_uphold", LeadState.IN_REVIEW, LeadState.RETURNED, "judge")
    event = last_event(lead)
    assert event.note == "No budget until Q3."
    assert event.rulebook_version == rulebook_current()
    assert event.data == {
        "case": case.pk,
        "decision": "uphold",
        "finding": "marketing",
        "votes": 1,
        "dissent": 0,
    }


def test_an_upholding_judge_may_state_the_cause_in_their_own_words(clock, marketer, rep, judge):
    case = appeal_case(marketer, rep)

    verdict(case, judge, "uphold", cause="Budget frozen company-wide.")

    case.refresh_from_db()
    case.lead.refresh_from_db()
    assert case.lead.return_cause == "Budget frozen company-wide."
    assert case.cause == "Budget frozen company-wide."


def test_overturning_an_appeal_sends_the_lead_back_to_sales_on_a_new_follow_up_deadline(
    clock, marketer, rep, judge
):
    case = appeal_case(marketer, rep)
    clock.set(london(2025, 1, 15, 10, 0))

    court.case_verdict_render(
        case=case, actor=judge, decision="overturn", finding="sales", rationale="Budget was confirmed."
    )

    lead = case.lead
    lead.refresh_from_db()
    case.refresh_from_db()
    assert lead.state == LeadState.SAL
    assert lead.assigned_rep == rep
    # Fourteen working days from Wednesday 15 January, 10:00.
    assert lead.followup_due_at == london(2025, 2, 4, 10, 0)
    assert lead.followup_started_at == london(2025, 1, 15, 10, 0)
    assert lead.accepted_at == london(2025, 1, 15, 10, 0)
    assert lead.rejection_reason is None
    assert lead.appeal_due_at is None
    assert (case.status, case.decision, case.finding) == (CaseStatus.DECIDED, "overturn", "sales")
    assert (case.rationale, case.cause) == ("Budget was confirmed.", "")
    assert (case.decided_by, case.decided_at) == (judge, london(2025, 1, 15, 10, 0))
    assert history(lead)[-1] == ("verdict_overturn", LeadState.IN_REVIEW, LeadState.SAL, "judge")


def test_overturning_an_appeal_can_reassign_the_lead_to_another_active_rep(clock, marketer, rep, judge):
    case = appeal_case(marketer, rep)
    new_rep = make_user("new_rep", roles.SALES_REP)
    clock.set(london(2025, 1, 15, 10, 0))

    vote = verdict(case, judge, "overturn", reassign_to=new_rep)

    lead = case.lead
    lead.refresh_from_db()
    assert lead.state == LeadState.SAL
    assert lead.assigned_rep == new_rep
    assert lead.assigned_at == london(2025, 1, 15, 10, 0)
    assert vote.reassign_to == new_rep
    # The case keeps its parties as they were when it opened.
    case.refresh_from_db()
    assert case.rep == rep


# --- ignored ------------------------------------------------------------------------


def test_an_mql_cannot_be_flagged_ignored_before_its_decision_deadline(clock, marketer, rep, system):
    lead = factories.mql(marketer, rep)
    # 48 working hours from Monday 09:00: six working days, so Monday 20 at 17:00.
    assert lead.decision_due_at == london(2025, 1, 20, 17, 0)
    clock.set(london(2025, 1, 20, 16, 59))

    with nothing_written(lead=lead), pytest.raises(GuardFailed) as refused:
        court.case_open_ignored(lead=lead, actor=system)

    assert refused.value.code == "deadline_not_passed"


def test_an_ignored_mql_goes_before_the_judges_once_its_decision_deadline_passed(
    clock, marketer, rep, system
):
    lead = factories.mql(marketer, rep)
    clock.set(london(2025, 1, 21, 9, 30))

    case = court.case_open_ignored(lead=lead, actor=system)

    lead.refresh_from_db()
    case.refresh_from_db()
    assert lead.state == LeadState.IN_REVIEW
    assert lead.decision_due_at is None
    assert (case.kind, case.status, case.opened_by) == (CaseKind.IGNORED, CaseStatus.OPEN, system)
    assert (case.rep, case.marketer) == (rep, marketer)
    assert case.due_at == london(2025, 1, 28, 9, 30)
    assert case.reason_code == ""
    assert case.snapshot["state_before"] == LeadState.MQL
    assert history(lead)[-1] == ("flag_ignored", LeadState.MQL, LeadState.IN_REVIEW, "system")


def test_returning_an_ignored_lead_sends_it_to_marketing_with_the_stated_cause(
    clock, marketer, rep, system, judge
):
    lead = factories.mql(marketer, rep)
    clock.set(london(2025, 1, 21, 9, 30))
    case = court.case_open_ignored(lead=lead, actor=system)
    clock.set(london(2025, 1, 22, 14, 0))

    court.case_verdict_render(
        case=case,
        actor=judge,
        decision="return",
        finding="marketing",
        rationale="The contact is a student.",
        cause="Below the agreed definition: no decision maker.",
    )

    lead.refresh_from_db()
    case.refresh_from_db()
    assert lead.state == LeadState.RETURNED
    assert lead.return_cause == "Below the agreed definition: no decision maker."
    assert lead.returned_at == london(2025, 1, 22, 14, 0)
    assert (case.status, case.decision, case.finding) == (CaseStatus.DECIDED, "return", "marketing")
    assert case.cause == "Below the agreed definition: no decision maker."
    assert (case.rationale, case.decided_by) == ("The contact is a student.", judge)
    assert case.decided_at == london(2025, 1, 22, 14, 0)
    assert history(lead)[-2:] == [
        ("flag_ignored", LeadState.MQL, LeadState.IN_REVIEW, "system"),
        ("verdict_return", LeadState.IN_REVIEW, LeadState.RETURNED, "judge"),
    ]


def test_following_up_an_ignored_lead_makes_sales_work_it_on_a_new_deadline(
    clock, marketer, rep, system, judge
):
    lead = factories.mql(marketer, rep)
    clock.set(london(2025, 1, 21, 9, 30))
    case = court.case_open_ignored(lead=lead, actor=system)
    clock.set(london(2025, 1, 22, 10, 0))

    verdict(case, judge, "follow_up", rationale="A fit lead; nobody looked at it.")

    lead.refresh_from_db()
    assert lead.state == LeadState.SAL
    assert lead.assigned_rep == rep
    assert lead.accepted_at == london(2025, 1, 22, 10, 0)
    assert lead.followup_started_at == london(2025, 1, 22, 10, 0)
    assert lead.followup_due_at == london(2025, 2, 11, 10, 0)
    assert_decided(
        case,
        decision="follow_up",
        finding="sales",
        rationale="A fit lead; nobody looked at it.",
        judge=judge,
        at=london(2025, 1, 22, 10, 0),
    )
    assert history(lead)[-1] == ("verdict_follow_up", LeadState.IN_REVIEW, LeadState.SAL, "judge")


# --- not followed up ---------------------------------------------------------------


def _accepted_with_touches(marketer, rep, clock, channels):
    lead = factories.sal(marketer, rep)
    for minute, channel in enumerate(channels, start=1):
        clock.set(london(2025, 1, 14, 10, minute))
        services.lead_touch_log(lead=lead, actor=rep, channel=channel, outcome="no_answer")
    lead.refresh_from_db()
    return lead


def test_an_accepted_lead_with_enough_touches_is_not_flagged_unworked(clock, marketer, rep, system):
    # A four-criteria lead is grade B: three touches are enough.
    lead = _accepted_with_touches(marketer, rep, clock, ["call", "email", "call"])
    clock.set(london(2025, 1, 31, 9, 0))

    with nothing_written(lead=lead), pytest.raises(GuardFailed) as refused:
        court.case_open_not_followed_up(lead=lead, actor=system)

    assert refused.value.code == "followed_up"


def test_an_accepted_lead_is_not_flagged_unworked_before_its_follow_up_deadline(clock, marketer, rep, system):
    lead = _accepted_with_touches(marketer, rep, clock, ["call"])
    # Fourteen working days from Monday 13 January, 09:00.
    assert lead.followup_due_at == london(2025, 1, 30, 17, 0)
    clock.set(london(2025, 1, 30, 16, 0))

    with nothing_written(lead=lead), pytest.raises(GuardFailed) as refused:
        court.case_open_not_followed_up(lead=lead, actor=system)

    assert refused.value.code == "deadline_not_passed"


def test_an_accepted_lead_with_too_few_touches_after_its_deadline_goes_before_the_judges(
    clock, marketer, rep, system
):
    lead = _accepted_with_touches(marketer, rep, clock, ["call", "email"])
    clock.set(london(2025, 1, 31, 9, 0))

    case = court.case_open_not_followed_up(lead=lead, actor=system)

    lead.refresh_from_db()
    case.refresh_from_db()
    assert lead.state == LeadState.IN_REVIEW
    assert lead.followup_due_at is None
    assert (case.kind, case.status, case.opened_by) == (CaseKind.NOT_FOLLOWED_UP, CaseStatus.OPEN, system)
    assert case.due_at == london(2025, 2, 6, 17, 0)
    touches = case.snapshot["touches"]
    assert touches["by_channel"] == {"call": 1, "email": 1}
    assert (touches["followup_round"], touches["required"]) == (2, 3)
    assert case.snapshot["state_before"] == LeadState.SAL
    assert history(lead)[-1] == ("flag_unworked", LeadState.SAL, LeadState.IN_REVIEW, "system")


def test_following_up_an_unworked_lead_starts_a_new_round_where_old_touches_no_longer_count(
    clock, marketer, rep, system, judge
):
    lead = _accepted_with_touches(marketer, rep, clock, ["call", "email"])
    clock.set(london(2025, 1, 31, 9, 0))
    case = court.case_open_not_followed_up(lead=lead, actor=system)
    clock.set(london(2025, 2, 3, 9, 0))

    verdict(case, judge, "follow_up", rationale="Two calls in three weeks is not follow-up.")

    lead.refresh_from_db()
    assert lead.state == LeadState.SAL
    assert lead.followup_started_at == london(2025, 2, 3, 9, 0)
    # Accepted the first time on 13 January; the acceptance date stays.
    assert lead.accepted_at == london(2025, 1, 13, 9, 0)
    assert lead.followup_due_at == london(2025, 2, 20, 17, 0)
    assert lead_followup_touch_count(lead=lead) == 0
    assert_decided(
        case,
        decision="follow_up",
        finding="sales",
        rationale="Two calls in three weeks is not follow-up.",
        judge=judge,
        at=london(2025, 2, 3, 9, 0),
    )
    assert history(lead)[-1] == ("verdict_follow_up", LeadState.IN_REVIEW, LeadState.SAL, "judge")


def test_returning_an_unworked_lead_sends_it_to_marketing(clock, marketer, rep, system, judge):
    lead = _accepted_with_touches(marketer, rep, clock, ["call"])
    clock.set(london(2025, 1, 31, 9, 0))
    case = court.case_open_not_followed_up(lead=lead, actor=system)

    clock.set(london(2025, 2, 3, 11, 0))

    verdict(case, judge, "return", cause="The phone number was wrong from the start.", finding="marketing")

    lead.refresh_from_db()
    assert lead.state == LeadState.RETURNED
    assert lead.return_cause == "The phone number was wrong from the start."
    assert lead.returned_at == london(2025, 2, 3, 11, 0)
    assert_decided(
        case,
        decision="return",
        finding="marketing",
        rationale="judge finds: return.",
        cause="The phone number was wrong from the start.",
        judge=judge,
        at=london(2025, 2, 3, 11, 0),
    )
    assert history(lead)[-1] == ("verdict_return", LeadState.IN_REVIEW, LeadState.RETURNED, "judge")


# --- audit ---------------------------------------------------------------------------


def test_with_all_rejections_reviewed_a_rejection_goes_straight_to_an_audit_case(
    clock, rules, marketer, rep, system
):
    rules(review_mode="all_rejections")

    lead = factories.rejected(marketer, rep, reason="not_icp")

    lead.refresh_from_db()
    assert lead.state == LeadState.IN_REVIEW
    case = lead.cases.get()
    assert (case.kind, case.status, case.opened_by) == (CaseKind.AUDIT, CaseStatus.OPEN, system)
    assert (case.rep, case.marketer, case.reason_code) == (rep, marketer, "not_icp")
    assert case.due_at == london(2025, 1, 17, 17, 0)
    assert case.snapshot["reason"] == "not_icp"
    assert history(lead) == [
        ("create", LeadState.INQUIRY, LeadState.INQUIRY, "marketer"),
        ("qualify", LeadState.INQUIRY, LeadState.MQL, "marketer"),
        ("reject", LeadState.MQL, LeadState.REJECTED, "rep"),
        ("audit_sample", LeadState.REJECTED, LeadState.IN_REVIEW, "system"),
    ]


def test_a_return_after_follow_up_is_audited_too_when_all_rejections_are_reviewed(
    clock, rules, marketer, rep
):
    lead = _accepted_with_touches(marketer, rep, clock, ["call", "email", "sms"])
    rules(review_mode="all_rejections")

    services.lead_return_after_followup(lead=lead, actor=rep, reason="unreachable")

    lead.refresh_from_db()
    assert lead.state == LeadState.IN_REVIEW
    assert lead.cases.get().kind == CaseKind.AUDIT
    assert [row[0] for row in history(lead)[-2:]] == ["return_after_followup", "audit_sample"]


@pytest.mark.parametrize(
    ("decision", "state", "transition"),
    [("uphold", LeadState.RETURNED, "verdict_uphold"), ("overturn", LeadState.SAL, "verdict_overturn")],
)
def test_an_audit_ends_with_the_lead_returned_or_back_with_sales(
    clock, rules, marketer, rep, judge, decision, state, transition
):
    rules(review_mode="all_rejections")
    lead = factories.rejected(marketer, rep)
    case = lead.cases.get()
    clock.set(london(2025, 1, 14, 12, 0))

    verdict(case, judge, decision, finding="criteria", rationale="The definition over-qualifies.")

    lead.refresh_from_db()
    assert lead.state == state
    assert_decided(
        case,
        decision=decision,
        finding="criteria",
        rationale="The definition over-qualifies.",
        cause="Rejection upheld: No budget" if decision == "uphold" else "",
        judge=judge,
        at=london(2025, 1, 14, 12, 0),
    )
    assert history(lead)[-1] == (transition, LeadState.IN_REVIEW, state, "judge")


def test_a_verdict_on_an_audit_may_not_use_the_decisions_of_an_ignored_lead(
    clock, rules, marketer, rep, judge
):
    rules(review_mode="all_rejections")
    case = factories.rejected(marketer, rep).cases.get()

    with nothing_written(lead=case.lead, case=case), pytest.raises(InvalidInput) as refused:
        verdict(case, judge, "follow_up")

    assert "decision" in refused.value.errors
