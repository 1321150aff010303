"""The manager's all-leads page: filters, keyset pagination, reassignment."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leadcourt.accounts import roles
from leadcourt.accounts.models import Department
from leads.models import Campaign, Lead, LeadEvent, LeadState, Segment
from leads.views import manager as views
from tests.conftest import make_user
from tests.factories import inquiry, mql, sal

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def listed(response) -> list[str]:
    return [str(row["lead"]) for row in response.context["rows"]]


def test_all_leads_newest_first(manager_client, clock, marketer, rep):
    old = inquiry(marketer, first_name="Old", last_name="Inquiry")
    clock.advance(hours=1)
    new = mql(marketer, rep, first_name="New", last_name="Delivery")

    response = manager_client.get(reverse("lead-list"))

    assert response.status_code == 200
    assert listed(response) == [str(new), str(old)]


def test_all_leads_filters_by_state_rep_campaign_source_and_search(manager_client, marketer, rep, other_rep):
    webinar = Campaign.objects.create(name="Webinar Q1")
    Segment.objects.create(code="apac", name="APAC", owner_rep=other_rep)
    a = mql(
        marketer, rep, first_name="Alpha", last_name="One", company="Initech", campaign=webinar, source="Web"
    )
    b = inquiry(marketer, first_name="Beta", last_name="Two", company="Globex", source="Trade show")
    c = mql(
        marketer,
        other_rep,
        first_name="Gamma",
        last_name="Three",
        segment=Segment.objects.get(code="apac"),
        email="gamma@hooli.example",
    )

    def names(**params):
        return listed(manager_client.get(reverse("lead-list"), params))

    assert names(state="mql") == [str(c), str(a)]
    assert names(rep=rep.pk) == [str(a)]
    assert names(campaign=webinar.pk) == [str(a)]
    assert names(source="trade show") == [str(b)]
    assert names(q="globex") == [str(b)]
    assert names(q="hooli") == [str(c)]
    assert names(state="mql", rep=other_rep.pk) == [str(c)]


@pytest.mark.parametrize(
    ("param", "value"),
    [("state", "banished"), ("rep", "abc"), ("rep", "99999999"), ("campaign", "' OR 1=1 --")],
)
def test_a_bad_filter_is_shown_as_an_error_and_ignored(manager_client, marketer, param, value):
    lead = inquiry(marketer)

    response = manager_client.get(reverse("lead-list"), {param: value})

    assert response.status_code == 400
    assert param in response.context["filter_form"].errors
    assert f'id="id_{param}_error"' in response.content.decode()
    assert listed(response) == [str(lead)]


def test_keyset_pages_walk_every_lead_once_and_come_back(manager_client, clock, marketer, monkeypatch):
    monkeypatch.setattr(views, "LEAD_LIST_PAGE_SIZE", 3)
    created = []
    for number in range(7):
        created.append(inquiry(marketer, first_name="Lead", last_name=f"N{number}"))
        if number % 2:
            clock.advance(minutes=1)  # some share a timestamp: the id breaks the tie
    newest_first = [str(lead) for lead in sorted(created, key=lambda x: (x.created_at, x.pk), reverse=True)]

    seen, pages, params = [], [], {}
    while True:
        response = manager_client.get(reverse("lead-list"), params)
        pages.append(response)
        seen += listed(response)
        keyset = response.context["keyset"]
        if not keyset.has_older:
            break
        params = {"after": keyset.older_cursor}

    assert seen == newest_first
    assert len(pages) == 3
    back = manager_client.get(reverse("lead-list"), {"before": pages[2].context["keyset"].newer_cursor})
    assert listed(back) == listed(pages[1])
    assert "Older" in pages[0].content.decode() and "Newer" in pages[1].content.decode()


def test_keyset_pages_keep_the_filters(manager_client, marketer, rep, monkeypatch):
    monkeypatch.setattr(views, "LEAD_LIST_PAGE_SIZE", 1)
    mql(marketer, rep, first_name="First")
    mql(marketer, rep, first_name="Second")
    inquiry(marketer, first_name="NotDelivered")

    page1 = manager_client.get(reverse("lead-list"), {"state": "mql"})
    page2 = manager_client.get(
        reverse("lead-list"), {"state": "mql", "after": page1.context["keyset"].older_cursor}
    )

    assert "state=mql" in page1.content.decode().split('rel="next"')[0].rsplit("href=", 1)[1]
    assert listed(page2) == ["First Lovelace"]


@pytest.mark.parametrize("cursor", ["garbage", "1-", "-1-2", "99999999999999999-1", "1" * 300, "12-34-56"])
def test_a_malformed_cursor_shows_the_first_page(manager_client, marketer, cursor):
    lead = inquiry(marketer)

    for param in ("after", "before"):
        response = manager_client.get(reverse("lead-list"), {param: cursor})
        assert response.status_code == 200
        assert listed(response) in ([str(lead)], [])


# --- reassignment ------------------------------------------------------------------------


def test_manager_reassigns_from_the_list_without_javascript(manager_client, marketer, rep, other_rep):
    lead = mql(marketer, rep)
    old_deadline = lead.decision_due_at

    response = manager_client.post(
        reverse("lead-reassign", args=[lead.pk]), {"rep": other_rep.pk, "next": reverse("lead-list")}
    )

    assert response.status_code == 302
    assert response.url == reverse("lead-list")
    lead.refresh_from_db()
    assert lead.assigned_rep == other_rep
    assert lead.decision_due_at >= old_deadline
    assert LeadEvent.objects.filter(lead=lead, transition="reassign").count() == 1


def test_manager_reassigns_with_htmx_and_gets_the_row_back(manager_client, marketer, rep, other_rep):
    lead = mql(marketer, rep)

    response = manager_client.post(
        reverse("lead-reassign", args=[lead.pk]), {"rep": other_rep.pk, "row": "list"}, **HX
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert body.strip().startswith(f'<tr id="lead-{lead.pk}">')
    assert str(other_rep) in body
    assert "is now assigned to" in response["HX-Trigger"]


@pytest.mark.parametrize("choice", ["", "abc", "-1", "99999999999999999999", "same", "inactive", "not-a-rep"])
def test_reassign_to_someone_who_cannot_take_it_is_refused_and_changes_nothing(
    manager_client, marketer, rep, manager, choice
):
    lead = mql(marketer, rep)
    inactive = make_user("gone", roles.SALES_REP, department=Department.SALES, is_active=False)
    value = {"same": rep.pk, "inactive": inactive.pk, "not-a-rep": manager.pk}.get(choice, choice)
    before = Lead.objects.filter(pk=lead.pk).values().get()

    response = manager_client.post(
        reverse("lead-reassign", args=[lead.pk]), {"rep": value, "row": "list"}, **HX
    )

    assert response.status_code == 400
    assert f'id="id_reassign_{lead.pk}_rep_error"' in response.content.decode()
    assert Lead.objects.filter(pk=lead.pk).values().get() == before
    assert not LeadEvent.objects.filter(transition="reassign").exists()


def test_a_rep_cannot_reassign(client, marketer, rep, other_rep):
    lead = mql(marketer, rep)
    client.force_login(rep)

    response = client.post(reverse("lead-reassign", args=[lead.pk]), {"rep": other_rep.pk})

    assert response.status_code == 403
    assert "Only managers" in response.content.decode()
    lead.refresh_from_db()
    assert lead.assigned_rep == rep


def test_closed_leads_offer_no_reassignment(manager_client, marketer, rep):
    lead = sal(marketer, rep)
    rejected_lead = mql(marketer, rep)
    from leads.services import lead_reject

    lead_reject(lead=rejected_lead, actor=rep, reason="no_budget")

    content = manager_client.get(reverse("lead-list")).content.decode()

    assert reverse("lead-reassign", args=[lead.pk]) in content
    assert reverse("lead-reassign", args=[rejected_lead.pk]) not in content
    assert Lead.objects.get(pk=rejected_lead.pk).state == LeadState.REJECTED
