"""The leads app's browser pages through the Django test client: login,
home per role, the lead page, the rulebook."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse

from adjudication.services import case_open_appeal
from leadcourt.accounts import roles
from leadcourt.accounts.models import Department
from leads import services, views
from leads.models import Segment
from tests.conftest import make_user
from tests.factories import SEVEN_CRITERIA, inquiry, mql, rejected, sal

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def other_rep_segment(other_rep):
    return Segment.objects.create(code="apac", name="APAC", owner_rep=other_rep)


# --- login and access ---------------------------------------------------------------


def test_login_page_renders_a_form(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="username"' in content
    assert 'name="password"' in content
    assert "csrfmiddlewaretoken" in content


def test_logging_in_leads_home(client, rep):
    response = client.post(reverse("login"), {"username": "rep", "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("home")


def test_wrong_password_shows_an_error_not_a_crash(client, rep):
    response = client.post(reverse("login"), {"username": "rep", "password": "nope"})

    assert response.status_code == 200
    assert "didn't match" in response.content.decode()


@pytest.mark.parametrize("url", ["/", "/leads/1/", "/rulebook/"])
def test_anonymous_users_are_sent_to_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


def test_logout_is_a_post_and_ends_the_session(client, rep):
    client.force_login(rep)

    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


# --- home, per role ---------------------------------------------------------------------


def test_rep_home_shows_the_inbox_nearest_deadline_first_and_worked_leads(
    client, clock, marketer, rep, other_rep, rep_segment, other_rep_segment
):
    earlier = mql(marketer, rep, first_name="Early", last_name="Delivery", segment=rep_segment)
    clock.advance(hours=3)
    later = mql(marketer, rep, first_name="Late", last_name="Delivery", segment=rep_segment)
    working = sal(marketer, rep, first_name="Being", last_name="Worked", segment=rep_segment)
    services.lead_touch_log(lead=working, actor=rep, channel="call", outcome="connected")
    not_mine = mql(marketer, other_rep, first_name="Someone", last_name="Else", segment=other_rep_segment)

    content = page(client, rep, reverse("home"))

    inbox = content[content.index('id="inbox"') : content.index('id="worked"')]
    assert inbox.index(str(earlier)) < inbox.index(str(later))
    assert "left" in inbox  # time left until each decision deadline
    worked = content[content.index('id="worked"') :]
    assert str(working) in worked
    assert str(not_mine) not in content
    assert 'id="all-leads"' not in content


def test_rep_home_lists_the_most_urgent_leads_and_counts_them_all(client, marketer, rep, monkeypatch):
    monkeypatch.setattr(views, "REP_LEADS_SHOWN", 1)
    mql(marketer, rep, first_name="First", last_name="One")
    mql(marketer, rep, first_name="Second", last_name="One")

    content = page(client, rep, reverse("home"))

    assert "2 awaiting your decision" in content
    assert "Showing the 1 nearest deadlines" in content
    assert "Second One" not in content


def test_marketer_home_lists_every_lead_newest_first_with_its_state(client, clock, marketer, rep):
    old = inquiry(marketer, first_name="Old", last_name="Inquiry")
    clock.advance(hours=1)
    delivered = mql(marketer, rep, first_name="New", last_name="Delivery")

    content = page(client, marketer, reverse("home"))

    listing = content[content.index('id="all-leads"') :]
    assert listing.index(str(delivered)) < listing.index(str(old))
    assert "MQL" in listing
    assert "Inquiry" in listing
    assert 'id="inbox"' not in content


def test_all_leads_can_be_filtered_by_state_and_are_paginated(client, marketer, rep):
    for number in range(52):
        inquiry(marketer, first_name="Lead", last_name=f"Number{number}")
    mql(marketer, rep, first_name="Only", last_name="Mql")
    client.force_login(marketer)

    first_page = client.get(reverse("home")).content.decode()
    filtered = client.get(reverse("home"), {"state": "mql"}).content.decode()

    assert "Page 1 of 2" in first_page
    assert "Only Mql" in filtered
    assert "Number1" not in filtered


def test_manager_home_lists_every_lead(client, marketer, rep, manager):
    lead = mql(marketer, rep, first_name="Visible", last_name="ToManagers")

    content = page(client, manager, reverse("home"))

    assert str(lead) in content[content.index('id="all-leads"') :]


def test_judge_home_lists_only_leads_with_cases(client, marketer, rep, judge):
    appealed = rejected(marketer, rep, first_name="Appealed", last_name="Lead")
    case_open_appeal(lead=appealed, actor=marketer, argument="They have budget; see the call notes.")
    quiet = mql(marketer, rep, first_name="Quiet", last_name="Lead")

    content = page(client, judge, reverse("home"))

    assert str(appealed) in content[content.index('id="case-leads"') :]
    assert str(quiet) not in content
    assert 'id="all-leads"' not in content


def test_user_with_several_roles_sees_each_section(client, marketer):
    both = make_user("both", roles.SALES_REP, roles.MARKETER, roles.JUDGE, department=Department.SALES)
    mql(marketer, both, first_name="Mine", last_name="ToDecide")

    content = page(client, both, reverse("home"))

    for section in ('id="inbox"', 'id="worked"', 'id="case-leads"', 'id="all-leads"'):
        assert section in content


def test_user_without_a_role_is_told_so(client, outsider):
    content = page(client, outsider, reverse("home"))

    assert "no role yet" in content


def test_all_leads_list_does_not_query_per_row(client, marketer, rep, django_assert_max_num_queries):
    for number in range(20):
        mql(marketer, rep, first_name="Row", last_name=str(number))
    client.force_login(marketer)

    with django_assert_max_num_queries(12):
        assert client.get(reverse("home")).status_code == 200


# --- the lead page ---------------------------------------------------------------------


def test_rep_gets_404_on_another_reps_lead(client, marketer, rep, other_rep, other_rep_segment):
    lead = mql(marketer, other_rep, segment=other_rep_segment)
    client.force_login(rep)

    assert client.get(reverse("lead-detail", args=[lead.pk])).status_code == 404


def test_unknown_lead_is_404(client, marketer):
    client.force_login(marketer)

    assert client.get(reverse("lead-detail", args=[999999])).status_code == 404


def test_lead_page_shows_history_criteria_grade_deadline_and_touches(client, marketer, rep):
    lead = sal(marketer, rep, criteria=SEVEN_CRITERIA, first_name="Grace", last_name="Hopper")
    services.lead_touch_log(lead=lead, actor=rep, channel="meeting", outcome="meeting_booked", note="Demo")

    content = page(client, rep, reverse("lead-detail", args=[lead.pk]))

    history = content[content.index('id="history"') : content.index('id="touches"')]
    assert history.count('class="event"') == 3  # create, qualify, accept
    assert "Inquiry → MQL" in history
    assert "MQL → SAL" in history
    assert f"routed to {rep}" in history
    assert "Grade A" in content
    assert content.count('class="met"') == 7
    assert content.count('class="unmet"') == 3
    assert "Follow-up due" in content
    assert "1 of 6" in content  # follow-up touches done of required for grade A
    assert "Meeting booked" in content[content.index('id="touches"') :]


def test_lead_page_shows_the_rejection_reason_in_the_history(client, marketer, rep):
    lead = rejected(marketer, rep, reason="no_budget")

    content = page(client, marketer, reverse("lead-detail", args=[lead.pk]))

    assert "MQL → Rejected" in content
    assert "No budget" in content
    assert "Appeal window closes" in content


def test_judge_opens_an_appealed_lead_and_sees_the_appeal_in_its_history(client, marketer, rep, judge):
    lead = rejected(marketer, rep)
    case = case_open_appeal(lead=lead, actor=marketer, argument="They have budget.")

    content = page(client, judge, reverse("lead-detail", args=[lead.pk]))

    assert "Rejected → In review" in content
    try:  # the case pages are their own app; link to them when they are installed
        case_url = reverse("case-detail", args=[case.pk])
    except NoReverseMatch:
        case_url = None
    if case_url:
        assert case_url in content


def test_lead_page_marks_a_probable_duplicate(client, marketer):
    first = inquiry(marketer, email="ada@example.com")
    second = inquiry(marketer, email="ADA@example.com")

    content = page(client, marketer, reverse("lead-detail", args=[second.pk]))

    assert "Probable duplicate" in content
    assert reverse("lead-detail", args=[first.pk]) in content


# --- the rulebook ------------------------------------------------------------------------


def test_rulebook_page_shows_the_version_in_force_with_meanings_and_reason_codes(client, rep, admin_user):
    services.rulebook_version_create(actor=admin_user, change_note="Faster decisions", decision_hours=24)

    content = page(client, rep, reverse("rulebook"))

    assert "version 2" in content
    assert "Faster decisions" in content
    assert "24 working hours" in content
    assert "1 judge<" in content  # singular
    assert "Time for sales to accept or reject a delivered lead." in content
    assert "Not our target market" in content
    assert "Publish a new version" not in content


def test_superusers_get_a_link_to_publish_a_new_rulebook_version(client, admin_user):
    content = page(client, admin_user, reverse("rulebook"))

    assert reverse("admin:leads_rulebookversion_add") in content
