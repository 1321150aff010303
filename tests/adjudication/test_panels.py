"""Panels of several judges: the majority decides, dissent stays on record (SPEC §6)."""

from __future__ import annotations

import pytest

from adjudication.models import CaseStatus, Vote
from adjudication.selectors import case_votes, review_queue
from leadcourt.accounts import roles
from leadcourt.errors import Conflict, InvalidTransition
from leads.models import LeadEvent, LeadState
from tests.adjudication.builders import appeal_case, nothing_written, verdict
from tests.clock import london
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def panel_of_three(rules):
    return rules(panel_size=3)


def verdict_events(lead):
    return LeadEvent.objects.filter(lead=lead, transition__startswith="verdict_")


def test_one_vote_on_a_panel_of_three_does_not_decide_the_case(
    clock, panel_of_three, marketer, rep, judge, judge2
):
    case = appeal_case(marketer, rep)

    vote = verdict(case, judge, "overturn")

    case.refresh_from_db()
    case.lead.refresh_from_db()
    assert vote.pk is not None
    assert case.status == CaseStatus.OPEN
    assert (case.decision, case.decided_by, case.decided_at) == ("", None, None)
    assert case.lead.state == LeadState.IN_REVIEW
    assert not verdict_events(case.lead).exists()
    # The vote is on record, and the case stays in the other judges' queue.
    queued = review_queue(judge=judge2).get()
    assert (queued, queued.votes_cast, queued.has_voted) == (case, 1, False)
    assert review_queue(judge=judge).get().has_voted is True


def test_two_matching_votes_on_a_panel_of_three_decide_the_case(
    clock, panel_of_three, marketer, rep, judge, judge2
):
    case = appeal_case(marketer, rep)
    clock.set(london(2025, 1, 14, 10, 0))
    verdict(case, judge, "uphold", rationale="No budget, as the rep said.", finding="marketing")
    clock.set(london(2025, 1, 14, 15, 0))

    verdict(case, judge2, "uphold", rationale="Agreed.", finding="criteria")

    case.refresh_from_db()
    case.lead.refresh_from_db()
    assert case.status == CaseStatus.DECIDED
    assert case.decision == "uphold"
    # The opinion of the court is the first vote for the majority decision;
    # the decision is taken when the second one is cast, by that judge.
    assert (case.rationale, case.finding) == ("No budget, as the rep said.", "marketing")
    assert (case.decided_by, case.decided_at) == (judge2, london(2025, 1, 14, 15, 0))
    assert case.lead.state == LeadState.RETURNED
    event = verdict_events(case.lead).get()
    assert (event.transition, event.actor) == ("verdict_uphold", judge2)
    assert (event.data["votes"], event.data["dissent"]) == (2, 0)


def test_a_dissenting_vote_stays_on_record_when_the_majority_decides(
    clock, panel_of_three, marketer, rep, judge, judge2, judge3
):
    case = appeal_case(marketer, rep)
    clock.set(london(2025, 1, 14, 10, 0))
    verdict(case, judge, "uphold", rationale="The rep was right.")
    clock.set(london(2025, 1, 14, 11, 0))
    verdict(case, judge2, "overturn", rationale="Budget was confirmed.")
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN  # one against one
    clock.set(london(2025, 1, 14, 12, 0))

    verdict(case, judge3, "overturn", rationale="The rep gave up too soon.")

    case.refresh_from_db()
    case.lead.refresh_from_db()
    assert (case.status, case.decision, case.decided_by) == (CaseStatus.DECIDED, "overturn", judge3)
    assert case.rationale == "Budget was confirmed."
    assert case.lead.state == LeadState.SAL
    assert [(v.judge, v.decision, v.rationale) for v in case_votes(case=case)] == [
        (judge, "uphold", "The rep was right."),
        (judge2, "overturn", "Budget was confirmed."),
        (judge3, "overturn", "The rep gave up too soon."),
    ]
    event = verdict_events(case.lead).get()
    assert (event.transition, event.data["votes"], event.data["dissent"]) == ("verdict_overturn", 3, 1)


def test_a_vote_after_the_panel_decided_is_refused(clock, panel_of_three, marketer, rep, judge, judge2):
    case = appeal_case(marketer, rep)
    verdict(case, judge, "uphold")
    verdict(case, judge2, "uphold")
    late_judge = make_user("late_judge", roles.JUDGE, department="executive")

    with nothing_written(lead=case.lead, case=case), pytest.raises(InvalidTransition) as refused:
        verdict(case, late_judge, "overturn")

    assert refused.value.status == 409
    assert Vote.objects.filter(case=case).count() == 2


def test_a_judge_cannot_vote_twice_on_an_open_case(clock, panel_of_three, marketer, rep, judge):
    case = appeal_case(marketer, rep)
    verdict(case, judge, "overturn")

    with nothing_written(lead=case.lead, case=case), pytest.raises(Conflict) as refused:
        verdict(case, judge, "uphold")

    assert refused.value.code == "already_voted"
    # Voting the same way again does not make a majority of one either.
    with nothing_written(lead=case.lead, case=case), pytest.raises(Conflict):
        verdict(case, judge, "overturn")


def test_with_a_panel_of_one_the_first_vote_is_the_verdict_and_a_second_judge_is_too_late(
    clock, marketer, rep, judge, judge2
):
    case = appeal_case(marketer, rep)
    verdict(case, judge, "overturn")

    with nothing_written(lead=case.lead, case=case), pytest.raises(InvalidTransition):
        verdict(case, judge2, "uphold")

    case.refresh_from_db()
    assert (case.status, case.decided_by) == (CaseStatus.DECIDED, judge)


def test_on_a_panel_of_two_a_split_vote_leaves_the_case_open(clock, rules, marketer, rep, judge, judge2):
    rules(panel_size=2)
    case = appeal_case(marketer, rep)

    verdict(case, judge, "overturn")
    verdict(case, judge2, "uphold")

    case.refresh_from_db()
    case.lead.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert case.lead.state == LeadState.IN_REVIEW
    assert case.votes.count() == 2
