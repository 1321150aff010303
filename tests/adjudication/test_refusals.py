"""Refused actions: each says why, and writes nothing (no case, statement,
vote or history row; the lead and the case rows unchanged)."""

from __future__ import annotations

import pytest

from adjudication import services as court
from leadcourt.accounts import roles
from leadcourt.errors import ActionForbidden, GuardFailed, InvalidInput, InvalidTransition
from leads.models import LeadState
from tests import factories
from tests.adjudication.builders import appeal_case, ignored_case, nothing_written, verdict
from tests.clock import london
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


# --- appeals ------------------------------------------------------------------------


def test_an_appeal_after_the_window_closed_is_refused(clock, marketer, rep):
    lead = factories.rejected(marketer, rep)
    # Ten working days from Monday 13 January, 09:00.
    assert lead.appeal_due_at == london(2025, 1, 24, 17, 0)
    clock.set(london(2025, 1, 24, 17, 1))

    with nothing_written(lead=lead), pytest.raises(GuardFailed) as refused:
        court.case_open_appeal(lead=lead, actor=marketer, argument="Better late than never.")

    assert refused.value.code == "appeal_window_closed"
    assert "2025-01-24 17:00" in refused.value.message


def test_an_appeal_in_the_last_minute_of_the_window_is_heard(clock, marketer, rep):
    lead = factories.rejected(marketer, rep)
    clock.set(london(2025, 1, 24, 16, 59))

    case = court.case_open_appeal(lead=lead, actor=marketer, argument="Just in time.")

    assert case.pk is not None


def test_a_second_appeal_while_the_first_case_is_open_is_refused(clock, marketer, rep):
    case = appeal_case(marketer, rep)

    with nothing_written(lead=case.lead, case=case), pytest.raises(InvalidTransition) as refused:
        court.case_open_appeal(lead=case.lead, actor=marketer, argument="Once more, with feeling.")

    assert refused.value.state == LeadState.IN_REVIEW
    assert refused.value.status == 409


@pytest.mark.parametrize("argument", ["", "   \n ", None])
def test_an_appeal_without_an_argument_is_refused(clock, marketer, rep, argument):
    lead = factories.rejected(marketer, rep)

    with nothing_written(lead=lead), pytest.raises(InvalidInput) as refused:
        court.case_open_appeal(lead=lead, actor=marketer, argument=argument)

    assert list(refused.value.errors) == ["argument"]


def test_an_appeal_with_an_overlong_argument_is_refused(clock, marketer, rep):
    lead = factories.rejected(marketer, rep)

    with nothing_written(lead=lead), pytest.raises(InvalidInput) as refused:
        court.case_open_appeal(lead=lead, actor=marketer, argument="x" * (court.STATEMENT_MAX_LENGTH + 1))

    assert list(refused.value.errors) == ["argument"]


@pytest.mark.parametrize("who", ["other_marketer", "rep", "judge", "outsider"])
def test_only_the_owning_marketer_may_appeal_a_rejection(clock, marketer, rep, request, who):
    lead = factories.rejected(marketer, rep)
    actor = request.getfixturevalue(who)

    with nothing_written(lead=lead), pytest.raises(ActionForbidden):
        court.case_open_appeal(lead=lead, actor=actor, argument="Not my lead, but still.")


def test_a_lead_that_was_never_rejected_cannot_be_appealed(clock, marketer, rep):
    lead = factories.sal(marketer, rep)

    with nothing_written(lead=lead), pytest.raises(InvalidTransition) as refused:
        court.case_open_appeal(lead=lead, actor=marketer, argument="Sales is too slow.")

    assert refused.value.state == LeadState.SAL


def test_only_the_system_may_flag_a_lead_ignored(clock, marketer, rep):
    lead = factories.mql(marketer, rep)
    clock.set(london(2025, 2, 3, 9, 0))

    with nothing_written(lead=lead), pytest.raises(ActionForbidden):
        court.case_open_ignored(lead=lead, actor=marketer)


# --- verdicts ------------------------------------------------------------------------


@pytest.mark.parametrize("rationale", ["", "   "])
def test_a_verdict_without_rationale_is_refused(clock, marketer, rep, judge, rationale):
    case = appeal_case(marketer, rep)

    with nothing_written(lead=case.lead, case=case), pytest.raises(InvalidInput) as refused:
        verdict(case, judge, "overturn", rationale=rationale)

    assert list(refused.value.errors) == ["rationale"]


def test_an_appeal_cannot_be_decided_with_a_decision_meant_for_ignored_leads(clock, marketer, rep, judge):
    case = appeal_case(marketer, rep)

    with nothing_written(lead=case.lead, case=case), pytest.raises(InvalidInput) as refused:
        verdict(case, judge, "return", cause="Back to marketing.")

    assert list(refused.value.errors) == ["decision"]
    assert "uphold" in refused.value.errors["decision"][0]


def test_an_ignored_lead_cannot_be_decided_with_a_decision_meant_for_appeals(
    clock, marketer, rep, judge, system
):
    case = ignored_case(marketer, rep, clock)

    with nothing_written(lead=case.lead, case=case), pytest.raises(InvalidInput) as refused:
        verdict(case, judge, "overturn")

    assert list(refused.value.errors) == ["decision"]


@pytest.mark.parametrize("cause", ["", "  "])
def test_returning_an_ignored_lead_without_a_cause_is_refused(clock, marketer, rep, judge, cause):
    case = ignored_case(marketer, rep, clock)

    with nothing_written(lead=case.lead, case=case), pytest.raises(InvalidInput) as refused:
        verdict(case, judge, "return", cause=cause)

    assert list(refused.value.errors) == ["cause"]


def test_a_verdict_with_an_unknown_finding_is_refused(clock, marketer, rep, judge):
    case = appeal_case(marketer, rep)

    with nothing_written(lead=case.lead, case=case), pytest.raises(InvalidInput) as refused:
        verdict(case, judge, "overturn", finding="everyone")

    assert list(refused.value.errors) == ["finding"]


def test_a_verdict_for_marketing_cannot_reassign_the_lead(clock, marketer, rep, judge, request):
    case = appeal_case(marketer, rep)
    other_rep = request.getfixturevalue("other_rep")  # after routing: ``rep`` got the lead

    with nothing_written(lead=case.lead, case=case), pytest.raises(InvalidInput) as refused:
        verdict(case, judge, "uphold", reassign_to=other_rep)

    assert list(refused.value.errors) == ["reassign_to"]


@pytest.mark.parametrize("who", ["inactive_rep", "marketer"])
def test_a_lead_can_only_be_reassigned_to_an_active_rep(clock, marketer, rep, judge, who):
    case = appeal_case(marketer, rep)
    target = (
        make_user("inactive_rep", roles.SALES_REP, is_active=False) if who == "inactive_rep" else marketer
    )

    with nothing_written(lead=case.lead, case=case), pytest.raises(InvalidInput) as refused:
        verdict(case, judge, "overturn", reassign_to=target)

    assert list(refused.value.errors) == ["reassign_to"]


@pytest.mark.parametrize("who", ["manager", "outsider", "other_rep"])
def test_only_judges_may_render_verdicts(clock, marketer, rep, request, who):
    case = appeal_case(marketer, rep)
    actor = request.getfixturevalue(who)

    with nothing_written(lead=case.lead, case=case), pytest.raises(ActionForbidden) as refused:
        verdict(case, actor, "overturn")

    assert refused.value.code == "forbidden"


# --- statements ---------------------------------------------------------------------


def test_the_parties_may_add_statements_until_the_verdict(clock, marketer, rep, judge):
    case = appeal_case(marketer, rep, argument="They have budget.")
    clock.advance(hours=1)
    court.case_statement_add(case=case, actor=rep, text="  They said no budget on the call.  ")
    clock.advance(hours=1)
    court.case_statement_add(case=case, actor=marketer, text="Here is the CFO's email.")

    assert [(s.author, s.text) for s in case.statements.all()] == [
        (marketer, "They have budget."),
        (rep, "They said no budget on the call."),
        (marketer, "Here is the CFO's email."),
    ]


@pytest.mark.parametrize("who", ["outsider", "judge", "other_rep", "other_marketer", "manager"])
def test_only_the_parties_may_add_statements(clock, marketer, rep, request, who):
    case = appeal_case(marketer, rep)
    actor = request.getfixturevalue(who)

    with nothing_written(lead=case.lead, case=case), pytest.raises(ActionForbidden):
        court.case_statement_add(case=case, actor=actor, text="My two cents.")


def test_no_statement_may_be_added_once_the_case_is_decided(clock, marketer, rep, judge):
    case = appeal_case(marketer, rep)
    verdict(case, judge, "uphold")

    with nothing_written(lead=case.lead, case=case), pytest.raises(InvalidTransition) as refused:
        court.case_statement_add(case=case, actor=marketer, text="But wait!")

    assert refused.value.state == "decided"


def test_an_empty_statement_is_refused(clock, marketer, rep):
    case = appeal_case(marketer, rep)

    with nothing_written(lead=case.lead, case=case), pytest.raises(InvalidInput) as refused:
        court.case_statement_add(case=case, actor=rep, text="  ")

    assert list(refused.value.errors) == ["text"]
