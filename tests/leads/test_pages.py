"""The leads app's browser pages through the Django test client: login,
home per role, the lead page, the rulebook."""

from __future__ import annotations

import pytest
from django.urls import reverse

from adjudication.services import case_open_appeal
from leadcourt.accounts import roles
from leadcourt.accounts.models import Department
from leads import services
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


@pytest.mark.parametrize(
    ("persona", "destination"),
    [
        ("rep", "rep-inbox"),
        ("judge", "review-queue"),
        ("manager", "lead-list"),
        ("marketer", "marketer-leads"),
        ("admin_user", "lead-list"),
    ],
)
def test_home_sends_each_role_to_its_main_page(client, request, persona, destination):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response.url == reverse(destination)


def test_a_rep_who_is_also_a_judge_lands_on_the_inbox(client):
    both = make_user("both", roles.SALES_REP, roles.MARKETER, roles.JUDGE, department=Department.SALES)
    client.force_login(both)

    assert client.get(reverse("home")).url == reverse("rep-inbox")


def test_user_without_a_role_is_told_so(client, outsider):
    content = page(client, outsider, reverse("home"))

    assert "no role yet" in content


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

    # The history's link is written with ``{% url … as %}``, which renders
    # nothing when the name does not resolve: only this assertion notices.
    case_link = f'href="{reverse("case-detail", args=[case.pk])}"'
    history = content[content.index('id="history"') : content.index('id="cases"')]
    cases = content[content.index('id="cases"') : content.index('id="touches"')]
    assert "Rejected → In review" in history
    assert case_link in history
    assert case_link in cases


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


# --- account -------------------------------------------------------------------------------


def test_password_change_shows_errors_next_to_fields_then_changes_it(client, rep):
    client.force_login(rep)

    refused = client.post(
        reverse("password_change"),
        {
            "old_password": "wrong",
            "new_password1": "a-new-long-pass-42",
            "new_password2": "a-new-long-pass-42",
        },
    )
    assert refused.status_code == 200
    assert 'id="id_old_password_error"' in refused.content.decode()
    rep.refresh_from_db()
    assert rep.check_password(PASSWORD)

    done = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-pass-42",
            "new_password2": "a-new-long-pass-42",
        },
    )
    assert done.status_code == 302
    assert done.url == reverse("password_change_done")
    rep.refresh_from_db()
    assert rep.check_password("a-new-long-pass-42")
    assert "Password changed" in client.get(done.url).content.decode()
