"""A judge never decides a case they are a party to; with independent judges
on, sales and marketing judges never decide (SPEC §1, Recusal)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from adjudication import services as court
from adjudication.models import CaseStatus, Statement
from adjudication.selectors import review_queue
from leadcourt.accounts import roles
from leadcourt.accounts.models import Department
from leadcourt.errors import ActionForbidden
from leads.models import LeadState, Segment
from tests import factories
from tests.adjudication.builders import appeal_case, nothing_written, verdict
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def grant(user, role: str) -> None:
    user.groups.add(Group.objects.get(name=role))
    roles.forget_cached_roles(user)


def assert_recused(case, judge) -> ActionForbidden:
    with nothing_written(lead=case.lead, case=case), pytest.raises(ActionForbidden) as refused:
        verdict(case, judge, "overturn")
    assert refused.value.code == "recused"
    return refused.value


def test_a_judge_who_is_the_leads_rep_cannot_vote_on_its_case(clock, marketer, rep):
    grant(rep, roles.JUDGE)
    case = appeal_case(marketer, rep)

    error = assert_recused(case, rep)

    assert "party" in error.message


def test_a_judge_who_is_the_leads_marketer_cannot_vote_on_its_case(clock, marketer, rep):
    grant(marketer, roles.JUDGE)
    case = appeal_case(marketer, rep)

    assert_recused(case, marketer)


def test_a_judge_who_wrote_a_statement_in_the_case_cannot_vote_on_it(clock, marketer, rep, judge):
    case = appeal_case(marketer, rep)
    # Only parties can add statements through the service, so write the row
    # directly: this isolates the statement rule from the party rule.
    Statement.objects.create(case=case, author=judge, text="For the record.", created_at=timezone.now())

    error = assert_recused(case, judge)

    assert "statement" in error.message
    assert list(review_queue(judge=judge)) == []


def test_a_superuser_who_appealed_a_rejection_cannot_then_decide_the_appeal(clock, marketer, rep, admin_user):
    # An administrator may appeal on marketing's behalf; the argument is then theirs.
    lead = factories.rejected(marketer, rep)
    case = court.case_open_appeal(lead=lead, actor=admin_user, argument="Appealed for marketing.")

    error = assert_recused(case, admin_user)

    assert "statement" in error.message
    assert list(review_queue(judge=admin_user)) == []


def test_a_judge_who_is_a_marketer_may_decide_cases_about_other_marketers_leads(
    clock, marketer, other_marketer, rep
):
    grant(other_marketer, roles.JUDGE)
    case = appeal_case(marketer, rep)

    verdict(case, other_marketer, "uphold")

    case.refresh_from_db()
    assert (case.status, case.decided_by) == (CaseStatus.DECIDED, other_marketer)


def test_recused_cases_are_left_out_of_the_judges_review_queue(clock, marketer, rep, other_rep):
    grant(rep, roles.JUDGE)
    own_case = appeal_case(marketer, rep)
    # A lead of another segment goes to its owner, so ``rep`` is no party to it.
    segment = Segment.objects.create(code="enterprise", name="Enterprise", owner_rep=other_rep)
    others_case = appeal_case(marketer, other_rep, segment=segment)

    queue = list(review_queue(judge=rep))

    assert queue == [others_case]
    assert own_case not in queue


def test_with_independent_judges_a_sales_or_marketing_judge_is_refused_and_sees_no_cases(
    clock, rules, marketer, rep, judge
):
    sales_judge = make_user("sales_vp", roles.JUDGE, department=Department.SALES)
    marketing_judge = make_user("marketing_vp", roles.JUDGE, department=Department.MARKETING)
    case = appeal_case(marketer, rep)
    assert list(review_queue(judge=sales_judge)) == [case]  # before the rule changes

    rules(independent_judges=True)

    for partial_judge in (sales_judge, marketing_judge):
        error = assert_recused(case, partial_judge)
        assert "independent" in error.message
        assert list(review_queue(judge=partial_judge)) == []
    assert list(review_queue(judge=judge)) == [case]
    verdict(case, judge, "overturn")
    case.refresh_from_db()
    case.lead.refresh_from_db()
    assert (case.status, case.decided_by) == (CaseStatus.DECIDED, judge)
    assert case.lead.state == LeadState.SAL


def test_without_independent_judges_a_sales_judge_who_is_no_party_may_decide(clock, marketer, rep):
    sales_judge = make_user("sales_vp", roles.JUDGE, department=Department.SALES)
    case = appeal_case(marketer, rep)

    verdict(case, sales_judge, "uphold")

    case.refresh_from_db()
    assert case.decided_by == sales_judge
