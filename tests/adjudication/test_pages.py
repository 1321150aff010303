"""The judicial branch's pages, through the Django test client: the review
queue, the case page (statements, verdicts, recusal), and the marketer's
rejected leads (appeal, concede)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from adjudication.models import Case, CaseStatus, Statement, Vote
from adjudication.services import case_open_appeal
from leadcourt.accounts import roles
from leads.models import LeadEvent, LeadState
from tests.conftest import make_user
from tests.factories import rejected

PASSWORD = "correct horse battery staple"


@pytest.fixture
def appeal_case(marketer, rep):
    lead = rejected(marketer, rep, reason="no_budget", source="Webinar")
    return case_open_appeal(lead=lead, actor=marketer, argument="They confirmed a budget on the call.")


def login(client, user):
    client.force_login(user)
    return client


def test_judge_sees_open_case_in_review_queue(client, judge, appeal_case):
    response = login(client, judge).get(reverse("review-queue"))
    assert response.status_code == 200
    assert f"#{appeal_case.pk}" in response.content.decode()
    assert "No budget" in response.content.decode()


def test_case_page_shows_lead_rejection_statements_rules_and_verdict_form(client, judge, appeal_case):
    response = login(client, judge).get(reverse("case-detail", args=[appeal_case.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "They confirmed a budget on the call." in body
    assert "No budget" in body
    assert "appeal_days" in body  # the rulebook excerpt for an appeal
    assert "Render verdict" in body


def test_judge_overturns_through_the_page(client, judge, appeal_case):
    response = login(client, judge).post(
        reverse("case-verdict", args=[appeal_case.pk]),
        {"decision": "overturn", "finding": "sales", "rationale": "Budget was confirmed in writing."},
    )
    assert response.status_code == 302
    appeal_case.refresh_from_db()
    assert appeal_case.status == CaseStatus.DECIDED
    assert appeal_case.lead.state == LeadState.SAL


def test_verdict_without_rationale_shows_the_error_next_to_the_field_and_writes_nothing(
    client, judge, appeal_case
):
    response = login(client, judge).post(
        reverse("case-verdict", args=[appeal_case.pk]),
        {"decision": "overturn", "finding": "sales", "rationale": "   "},
    )
    assert response.status_code == 400
    form = response.context["verdict_form"]
    assert "rationale" in form.errors
    assert not Vote.objects.exists()
    appeal_case.refresh_from_db()
    assert appeal_case.status == CaseStatus.OPEN


def test_recused_judge_sees_no_verdict_form_and_cannot_post_one(client, marketer, rep, appeal_case):
    # The lead's own marketer is also a judge: a party never decides.
    marketer.groups.add(roles_group(roles.JUDGE))
    response = login(client, marketer).get(reverse("case-detail", args=[appeal_case.pk]))
    body = response.content.decode()
    assert "You are recused" in body
    assert "Render verdict" not in body

    response = client.post(
        reverse("case-verdict", args=[appeal_case.pk]),
        {"decision": "uphold", "finding": "none", "rationale": "I agree with myself."},
    )
    assert response.status_code == 400
    assert "You are recused" in response.content.decode()
    assert not Vote.objects.exists()


def test_independent_judges_rule_hides_the_form_from_a_sales_judge(client, admin_user, appeal_case):
    from leads.services import rulebook_version_create

    rulebook_version_create(actor=admin_user, independent_judges=True)
    sales_judge = make_user("sales_judge", roles.JUDGE, department="sales")
    response = login(client, sales_judge).get(reverse("review-queue"))
    assert "cannot decide cases" in response.content.decode()
    assert f"#{appeal_case.pk}" not in response.content.decode()
    response = client.get(reverse("case-detail", args=[appeal_case.pk]))
    assert "Render verdict" not in response.content.decode()


def test_rep_answers_a_case_about_their_lead(client, rep, appeal_case):
    response = login(client, rep).post(
        reverse("case-statement", args=[appeal_case.pk]), {"text": "The CFO told me there is no budget."}
    )
    assert response.status_code == 302
    assert Statement.objects.filter(case=appeal_case, author=rep).exists()


def test_outsider_cannot_see_a_case(client, outsider, appeal_case):
    response = login(client, outsider).get(reverse("case-detail", args=[appeal_case.pk]))
    assert response.status_code == 404


def test_non_party_statement_is_refused_with_the_reason(client, manager, appeal_case):
    response = login(client, manager).post(
        reverse("case-statement", args=[appeal_case.pk]), {"text": "Managers have opinions too."}
    )
    assert response.status_code == 400
    assert "Only the parties" in response.content.decode()
    assert Statement.objects.filter(case=appeal_case).count() == 1


def test_marketer_appeals_from_the_rejected_leads_page(client, marketer, rep):
    lead = rejected(marketer, rep)
    page = login(client, marketer).get(reverse("rejected-leads"))
    assert page.status_code == 200
    assert "left" in page.content.decode()  # the window left
    response = client.post(
        reverse("lead-appeal", args=[lead.pk]), {f"lead-{lead.pk}-argument": "The rep never called."}
    )
    case = Case.objects.get(lead=lead)
    assert response.status_code == 302
    assert response.url == reverse("case-detail", args=[case.pk])
    lead.refresh_from_db()
    assert lead.state == LeadState.IN_REVIEW


def test_appeal_without_argument_shows_error_and_writes_nothing(client, marketer, rep):
    lead = rejected(marketer, rep)
    events = LeadEvent.objects.count()
    response = login(client, marketer).post(
        reverse("lead-appeal", args=[lead.pk]), {f"lead-{lead.pk}-argument": ""}
    )
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not Case.objects.exists()
    assert LeadEvent.objects.count() == events


def test_marketer_concedes_from_the_rejected_leads_page(client, marketer, rep):
    lead = rejected(marketer, rep)
    response = login(client, marketer).post(reverse("lead-concede", args=[lead.pk]))
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.state == LeadState.RETURNED


def test_another_marketer_cannot_concede_and_is_told_why(client, marketer, other_marketer, rep):
    lead = rejected(marketer, rep)
    response = login(client, other_marketer).post(reverse("lead-concede", args=[lead.pk]), follow=True)
    assert "Only the marketer who owns this lead" in response.content.decode()
    lead.refresh_from_db()
    assert lead.state == LeadState.REJECTED


def test_verdict_form_with_garbage_decision_is_a_400_not_a_500(client, judge, appeal_case):
    response = login(client, judge).post(
        reverse("case-verdict", args=[appeal_case.pk]),
        {"decision": "banish", "finding": "everyone", "rationale": "x", "reassign_to": "not-a-number"},
    )
    assert response.status_code == 400
    assert not Vote.objects.exists()


def roles_group(name):
    from django.contrib.auth.models import Group

    return Group.objects.get(name=name)


def test_lead_page_links_to_its_cases(client, judge, appeal_case):
    response = login(client, judge).get(reverse("lead-detail", args=[appeal_case.lead_id]))
    assert response.status_code == 200
    assert reverse("case-detail", args=[appeal_case.pk]) in response.content.decode()


def test_the_history_row_that_opened_a_case_links_to_it(client, judge, appeal_case):
    """The lead page's history names the case each court event belongs to,
    as a link, beside the court's own list of the lead's cases."""
    content = login(client, judge).get(reverse("lead-detail", args=[appeal_case.lead_id])).content.decode()
    history = content[content.index('id="history"') : content.index('id="cases"')]
    link = f'<a href="{reverse("case-detail", args=[appeal_case.pk])}">Case #{appeal_case.pk}</a>'
    assert link in history
