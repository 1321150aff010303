"""The judge's side in the browser: recusal hides the verdict form and says
why; a verdict the server refuses shows the error beside the field and
writes nothing."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from playwright.sync_api import expect

from adjudication.models import CaseStatus, Vote
from adjudication.services import case_open_appeal
from leadcourt.accounts import roles
from leadcourt.accounts.models import Department
from leads.models import LeadState
from leads.services import rulebook_version_create
from tests.conftest import make_user
from tests.e2e.conftest import E2E, expect_error_beside
from tests.factories import rejected

pytestmark = E2E


@pytest.fixture
def appeal(marketer, rep):
    lead = rejected(marketer, rep, reason="no_budget", company="Appealed Co")
    return case_open_appeal(lead=lead, actor=marketer, argument="They confirmed a budget on the call.")


def verdict_form(page):
    return page.get_by_role("heading", name="Render verdict")


def test_a_judge_who_is_a_party_sees_no_verdict_form_and_is_told_why(browser_as, appeal, marketer, judge):
    # The lead's own marketer also sits as a judge.
    marketer.groups.add(Group.objects.get(name=roles.JUDGE))

    page = browser_as(marketer)
    page.goto(reverse("case-detail", args=[appeal.pk]))

    expect(page.get_by_role("heading", name=f"Case #{appeal.pk}")).to_be_visible()
    expect(page.get_by_text("You are recused: you are a party to this case")).to_be_visible()
    expect(verdict_form(page)).to_have_count(0)
    expect(page.get_by_role("button", name="Render verdict")).to_have_count(0)
    # An independent judge, on the same case, gets the form.
    other = browser_as(judge)
    other.goto(reverse("case-detail", args=[appeal.pk]))
    expect(verdict_form(other)).to_be_visible()
    expect(other.get_by_text("You are recused")).to_have_count(0)


def test_independence_rule_recuses_a_sales_judge(browser_as, appeal, admin_user):
    rulebook_version_create(actor=admin_user, change_note="independent judges", independent_judges=True)
    sales_judge = make_user("sales_judge", roles.JUDGE, department=Department.SALES)

    page = browser_as(sales_judge)
    page.goto(reverse("case-detail", args=[appeal.pk]))

    expect(
        page.get_by_text(re.compile(r"You are recused: the rulebook requires independent judges"))
    ).to_be_visible()
    expect(verdict_form(page)).to_have_count(0)


def test_verdict_without_a_rationale_shows_the_error_beside_the_field_and_changes_nothing(
    browser_as, appeal, judge
):
    page = browser_as(judge)
    page.goto(reverse("case-detail", args=[appeal.pk]))
    page.get_by_role("radio", name="Overturn").check()
    page.get_by_role("radio", name=re.compile("^Sales")).check()
    # Blank to the server, though the browser's own "required" check lets it through.
    page.get_by_label("Rationale").fill("   ")
    page.get_by_role("button", name="Render verdict").click()

    rationale = page.get_by_label("Rationale")
    expect_error_beside(rationale, "This field is required.")
    expect(rationale).to_have_accessible_description(re.compile("This field is required"))
    # Only that field complains, and what was chosen is kept.
    expect(page.get_by_text("This field is required.")).to_have_count(1)
    expect(page.get_by_role("radio", name="Overturn")).to_be_checked()

    appeal.refresh_from_db()
    assert appeal.status == CaseStatus.OPEN
    assert appeal.lead.state == LeadState.IN_REVIEW
    assert not Vote.objects.filter(case=appeal).exists()
