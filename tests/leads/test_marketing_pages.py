"""The marketer's browser pages: my leads, a new lead, and the marketing
transitions (qualify, disqualify, recycle) from the list and the lead page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from adjudication.services import lead_concede
from leads.models import Campaign, CampaignStatus, Lead, LeadEvent, LeadState
from tests.factories import FOUR_CRITERIA, SEVEN_CRITERIA, LeadFactory, inquiry, mql, rejected

pytestmark = pytest.mark.django_db

HTMX_ROW = {"HTTP_HX_REQUEST": "true"}


def htmx_row(lead) -> dict:
    return {**HTMX_ROW, "HTTP_HX_TARGET": f"lead-row-{lead.pk}"}


# What a row's form posts beside its fields: the list it belongs to.
ROW = {"row": "my-leads"}


def body(response) -> str:
    return response.content.decode()


def snapshot() -> tuple:
    """What a refused action must leave untouched: every lead row and the history."""
    return (list(Lead.objects.order_by("pk").values()), LeadEvent.objects.count())


# --- my leads ---------------------------------------------------------------------------------


def test_marketer_sees_own_leads_by_default_and_everyones_with_the_toggle(client, marketer, other_marketer):
    mine = inquiry(marketer, first_name="Mine", last_name="Lead")
    theirs = inquiry(other_marketer, first_name="Their", last_name="Lead")
    client.force_login(marketer)

    default = body(client.get(reverse("marketer-leads")))
    everyone = body(client.get(reverse("marketer-leads"), {"scope": "all"}))

    assert str(mine) in default
    assert str(theirs) not in default
    assert str(mine) in everyone and str(theirs) in everyone


@pytest.mark.parametrize("persona", ["rep", "judge", "manager", "outsider"])
def test_other_roles_are_refused_the_marketer_pages(client, request, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("marketer-leads")).status_code == 403
    assert client.get(reverse("lead-new")).status_code == 403
    assert client.post(reverse("lead-new"), {"company": "Acme", "action": "create"}).status_code == 403
    assert not Lead.objects.exists()


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("marketer-leads"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_state_tabs_count_each_state_and_the_state_filter_keeps_one(client, marketer, rep):
    inquiry(marketer, first_name="First", last_name="Inquiry")
    inquiry(marketer, first_name="Second", last_name="Inquiry")
    delivered = mql(marketer, rep, first_name="Only", last_name="Delivered")
    client.force_login(marketer)

    listing = body(client.get(reverse("marketer-leads")))
    only_mql = body(client.get(reverse("marketer-leads"), {"state": "mql"}))

    assert 'All <span class="badge">3</span>' in listing
    assert 'Inquiry <span class="badge">2</span>' in listing
    assert 'MQL <span class="badge">1</span>' in listing
    assert str(delivered) in only_mql
    assert "First Inquiry" not in only_mql


def test_filters_by_campaign_source_grade_and_criteria(client, marketer):
    webinar = Campaign.objects.create(name="Webinar", source="Webinar")
    in_campaign = inquiry(marketer, first_name="In", last_name="Campaign", campaign=webinar)
    from_fair = inquiry(marketer, first_name="From", last_name="Fair", source="Trade show")
    grade_a = inquiry(marketer, first_name="Grade", last_name="Ay", criteria=SEVEN_CRITERIA)
    thin = inquiry(marketer, first_name="Thin", last_name="Lead", criteria=["vertical"])
    client.force_login(marketer)

    def shown(**params):
        content = body(client.get(reverse("marketer-leads"), params))
        return {lead for lead in (in_campaign, from_fair, grade_a, thin) if str(lead) in content}

    assert shown(campaign=webinar.pk) == {in_campaign}
    assert shown(source="trade SHOW") == {from_fair}
    assert shown(grade="A") == {grade_a}
    assert shown(grade="B") == {in_campaign, from_fair, thin}
    assert shown(min_criteria=4) == {in_campaign, from_fair, grade_a}


@pytest.mark.parametrize(
    ("query", "field"),
    [("lovelace", "last_name"), ("acme", "company"), ("ada@acme", "email"), ("crm-77", "external_id")],
)
def test_search_finds_by_name_company_email_or_external_id(client, marketer, query, field):
    wanted = inquiry(
        marketer,
        first_name="Ada",
        last_name="Lovelace",
        company="Acme Engines",
        email="ada@acme.example",
        external_id="CRM-77",
    )
    other = inquiry(marketer, first_name="Grace", last_name="Hopper", company="Navy", email="g@navy.example")
    client.force_login(marketer)

    content = body(client.get(reverse("marketer-leads"), {"q": query}))

    assert str(wanted) in content, field
    assert str(other) not in content


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "-1"},
        {"page": "9" * 40},
        {"page": "1e400"},
        {"state": "banished"},
        {"campaign": "abc"},
        {"campaign": "9" * 30},
        {"campaign": "-5"},
        {"grade": "Z"},
        {"min_criteria": "99"},
        {"scope": "everything"},
        {"q": "x" * 10_000},
        {"source": "s" * 10_000},
        {"q": "\x00%_'\"; DROP TABLE leads_lead"},
    ],
)
def test_hostile_list_parameters_never_crash(client, marketer, params):
    inquiry(marketer)
    client.force_login(marketer)

    response = client.get(reverse("marketer-leads"), params)

    assert response.status_code == 200


def test_an_unknown_filter_value_is_dropped_and_said_so(client, marketer):
    lead = inquiry(marketer)
    client.force_login(marketer)

    content = body(client.get(reverse("marketer-leads"), {"state": "banished"}))

    assert "Ignored a filter value that is not valid" in content
    assert str(lead) in content


def _bulk_leads(marketer, count: int, start: int = 0) -> None:
    campaign = Campaign.objects.get_or_create(name="Bulk")[0]
    Lead.objects.bulk_create(
        LeadFactory.build(marketer=marketer, campaign=campaign, email=f"bulk{start + n}@example.com")
        for n in range(count)
    )


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


def test_my_leads_costs_the_same_queries_for_10_or_200_rows(client, marketer, rep):
    _bulk_leads(marketer, 10)
    client.force_login(marketer)
    _queries(client, reverse("marketer-leads"))  # warm the session and caches

    ten = _queries(client, reverse("marketer-leads"))
    _bulk_leads(marketer, 190, start=10)
    two_hundred = _queries(client, reverse("marketer-leads"))

    assert ten == two_hundred
    assert Lead.objects.count() == 200


def test_my_leads_is_paginated(client, marketer):
    _bulk_leads(marketer, 60)
    client.force_login(marketer)

    content = body(client.get(reverse("marketer-leads")))

    assert "Page 1 of 2" in content
    assert content.count('class="item"') == 50


# --- a new lead --------------------------------------------------------------------------------


def lead_form(**overrides) -> dict:
    data = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@engines.example",
        "company": "Analytical Engines",
        "source": "Webinar",
        "criteria": FOUR_CRITERIA,
        "action": "create",
    }
    data.update(overrides)
    return data


def test_new_lead_form_shows_every_criterion_with_its_label(client, marketer):
    client.force_login(marketer)

    content = body(client.get(reverse("lead-new")))

    assert "Vertical known (SIC or NAICS code)" in content
    assert "Sense of urgency or a compelling event" in content
    assert content.count('name="criteria"') == 10
    assert "Qualifying needs 4" in content


def test_marketer_creates_an_inquiry_with_history(client, marketer):
    client.force_login(marketer)

    response = client.post(reverse("lead-new"), lead_form())

    lead = Lead.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("lead-detail", args=[lead.pk])
    assert lead.state == LeadState.INQUIRY
    assert lead.marketer == marketer
    assert sorted(lead.criteria) == sorted(FOUR_CRITERIA)
    assert list(lead.events.values_list("transition", "actor")) == [("create", marketer.pk)]


def test_create_and_qualify_delivers_the_lead_to_a_rep(client, marketer, rep):
    client.force_login(marketer)

    response = client.post(reverse("lead-new"), lead_form(action="create_qualify"), follow=True)

    lead = Lead.objects.get()
    assert lead.state == LeadState.MQL
    assert lead.assigned_rep == rep
    assert list(lead.events.values_list("transition", flat=True)) == ["create", "qualify"]
    assert "delivered to" in body(response)


def test_create_and_qualify_with_too_few_criteria_creates_nothing(client, marketer, rep):
    client.force_login(marketer)

    response = client.post(reverse("lead-new"), lead_form(action="create_qualify", criteria=["vertical"]))

    assert response.status_code == 409
    assert "meets 1 of the 4 qualification criteria" in body(response)
    assert not Lead.objects.exists()
    assert not LeadEvent.objects.exists()


def test_create_and_qualify_without_any_rep_creates_nothing(client, marketer):
    client.force_login(marketer)

    response = client.post(reverse("lead-new"), lead_form(action="create_qualify"))

    assert response.status_code == 409
    assert "No active sales rep" in body(response)
    assert not Lead.objects.exists()


def test_second_lead_with_the_same_email_is_created_with_a_duplicate_warning(client, marketer):
    first = inquiry(marketer, email="Ada@Engines.example")
    client.force_login(marketer)

    response = client.post(reverse("lead-new"), lead_form(email="ada@engines.EXAMPLE"), follow=True)

    second = Lead.objects.exclude(pk=first.pk).get()
    assert second.duplicate_of == first
    content = body(response)
    assert "Probable duplicate" in content
    assert reverse("lead-detail", args=[first.pk]) in content


def test_an_existing_external_id_is_an_error_on_that_field_and_creates_nothing(client, marketer):
    existing = inquiry(marketer, external_id="CRM-1")
    client.force_login(marketer)

    response = client.post(reverse("lead-new"), lead_form(external_id="CRM-1"))

    assert response.status_code == 409
    content = body(response)
    assert "A lead with this external id already exists" in content
    assert reverse("lead-detail", args=[existing.pk]) in content
    assert Lead.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"company": "x" * 10_000}, "company", "at most 200 characters"),
        ({"first_name": "y" * 10_000}, "first_name", "at most 100 characters"),
        ({"external_id": "z" * 500}, "external_id", "at most 128 characters"),
        ({"criteria": ["vertical", "astrology"]}, "criteria", "Select a valid choice"),
        ({"campaign": "99999999999999999999"}, "campaign", "Select a valid choice"),
        ({"segment": "abc"}, "segment", "Select a valid choice"),
    ],
)
def test_bad_lead_input_is_shown_next_to_its_field_and_creates_nothing(
    client, marketer, overrides, field, message
):
    client.force_login(marketer)

    response = client.post(reverse("lead-new"), lead_form(**overrides))

    assert response.status_code == 400
    content = body(response)
    field_at = content.index(f'name="{field}"')
    error_at = content.index(f'id="id_{field}_error"')
    # Right after its own input, with no other field in between.
    assert field_at < error_at
    assert 'class="field' not in content[field_at:error_at]
    assert message in content
    assert not Lead.objects.exists()


def test_an_empty_lead_is_refused(client, marketer):
    client.force_login(marketer)

    response = client.post(reverse("lead-new"), {"action": "create"})

    assert response.status_code == 400
    assert "Give at least a name, an email or a company." in body(response)
    assert not Lead.objects.exists()


def test_a_lead_named_with_zero_width_spaces_is_an_empty_lead(client, marketer):
    client.force_login(marketer)

    response = client.post(
        reverse("lead-new"), {"action": "create", "first_name": "\u200b\u200b", "company": "\ufeff"}
    )

    assert response.status_code == 400
    assert "Give at least a name, an email or a company." in body(response)
    assert not Lead.objects.exists()


def test_an_ended_campaign_cannot_receive_a_new_lead(client, marketer):
    ended = Campaign.objects.create(
        name="Over",
        status=CampaignStatus.ENDED,
        forecast_leads=1,
        forecast_mqls=1,
        forecast_revenue=1,
        budget=1,
    )
    client.force_login(marketer)

    response = client.post(reverse("lead-new"), lead_form(campaign=ended.pk))

    assert response.status_code == 400
    assert not Lead.objects.exists()


# --- qualify, disqualify, recycle ---------------------------------------------------------------


def test_qualify_from_the_list_swaps_the_row_and_writes_history(client, marketer, rep):
    lead = inquiry(marketer)
    client.force_login(marketer)
    listing = body(client.get(reverse("marketer-leads")))
    assert f'hx-post="{reverse("lead-qualify", args=[lead.pk])}"' in listing

    response = client.post(reverse("lead-qualify", args=[lead.pk]), ROW, **htmx_row(lead))

    assert response.status_code == 200
    content = body(response)
    assert content.strip().startswith(f'<li class="item" id="lead-row-{lead.pk}"')
    assert "Qualified" in content and str(rep) in content
    lead.refresh_from_db()
    assert lead.state == LeadState.MQL
    assert lead.events.filter(transition="qualify", actor=marketer).exists()


def test_qualify_without_javascript_redirects_to_next_or_the_lead(client, marketer, rep):
    first, second = inquiry(marketer), inquiry(marketer, first_name="Second")
    client.force_login(marketer)
    back = reverse("marketer-leads") + "?state=inquiry"

    to_list = client.post(reverse("lead-qualify", args=[first.pk]), {"next": back})
    to_lead = client.post(reverse("lead-qualify", args=[second.pk]), {"next": "https://evil.example/"})

    assert to_list.status_code == 302 and to_list.url == back
    assert to_lead.status_code == 302 and to_lead.url == reverse("lead-detail", args=[second.pk])


def test_qualify_page_lets_the_marketer_correct_the_criteria(client, marketer, rep):
    lead = inquiry(marketer, criteria=["vertical"])
    client.force_login(marketer)

    page = client.get(reverse("lead-qualify", args=[lead.pk]))
    response = client.post(
        reverse("lead-qualify", args=[lead.pk]), {"set_criteria": "True", "criteria": SEVEN_CRITERIA}
    )

    assert page.status_code == 200
    assert 'value="vertical"' in body(page) and "checked" in body(page)
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.state == LeadState.MQL
    assert lead.criteria_count == 7


def test_qualify_with_too_few_criteria_is_refused_with_the_rule_and_changes_nothing(client, marketer, rep):
    lead = inquiry(marketer, criteria=["vertical", "pains"])
    client.force_login(marketer)
    before = snapshot()

    as_row = client.post(reverse("lead-qualify", args=[lead.pk]), ROW, **htmx_row(lead))
    as_page = client.post(reverse("lead-qualify", args=[lead.pk]))

    assert as_row.status_code == 409
    assert "meets 2 of the 4 qualification criteria" in body(as_row)
    assert as_page.status_code == 409
    assert "meets 2 of the 4 qualification criteria" in body(as_page)
    assert snapshot() == before


def test_qualify_when_no_rep_is_available_is_a_clear_conflict(client, marketer):
    lead = inquiry(marketer)
    client.force_login(marketer)
    before = snapshot()

    response = client.post(reverse("lead-qualify", args=[lead.pk]))

    assert response.status_code == 409
    assert "No active sales rep" in body(response)
    assert snapshot() == before


def test_qualifying_twice_is_an_invalid_transition(client, marketer, rep):
    lead = mql(marketer, rep)
    client.force_login(marketer)
    before = snapshot()

    response = client.post(reverse("lead-qualify", args=[lead.pk]))

    assert response.status_code == 409
    assert "not possible while the lead is" in body(response)
    assert snapshot() == before


def test_a_rep_cannot_qualify_and_an_outsider_cannot_even_see_the_lead(client, marketer, rep, outsider):
    lead = inquiry(marketer)
    before = snapshot()

    client.force_login(rep)
    assert client.post(reverse("lead-qualify", args=[lead.pk])).status_code == 404  # not their lead
    client.force_login(outsider)
    assert client.post(reverse("lead-qualify", args=[lead.pk])).status_code == 404
    assert client.get(reverse("lead-disqualify", args=[lead.pk])).status_code == 404
    assert snapshot() == before


def test_a_manager_sees_the_lead_but_may_not_qualify_it(client, marketer, manager, rep):
    lead = inquiry(marketer)
    client.force_login(manager)
    before = snapshot()

    page = client.get(reverse("lead-qualify", args=[lead.pk]))
    response = client.post(reverse("lead-qualify", args=[lead.pk]))

    assert page.status_code == 403
    assert response.status_code == 403
    assert "Only marketers may do this." in body(response)
    assert snapshot() == before


def test_unknown_lead_is_404(client, marketer):
    client.force_login(marketer)

    assert client.post(reverse("lead-qualify", args=[999_999])).status_code == 404
    assert client.get("/leads/99999999999999999999999/recycle/").status_code == 404


def test_disqualify_needs_a_reason_shown_next_to_the_field(client, marketer):
    lead = inquiry(marketer)
    client.force_login(marketer)
    before = snapshot()

    response = client.post(reverse("lead-disqualify", args=[lead.pk]), {"reason": "   "})

    assert response.status_code == 400
    content = body(response)
    assert content.index('id="id_reason_error"') > content.index('name="reason"')
    assert snapshot() == before


def test_disqualify_with_a_huge_reason_is_refused(client, marketer):
    lead = inquiry(marketer)
    client.force_login(marketer)
    before = snapshot()

    response = client.post(reverse("lead-disqualify", args=[lead.pk]), {"reason": "r" * 10_000})

    assert response.status_code == 400
    assert "at most 2000 characters" in body(response)
    assert snapshot() == before


def test_disqualify_from_the_list_records_the_reason(client, marketer):
    lead = inquiry(marketer)
    client.force_login(marketer)

    response = client.post(
        reverse("lead-disqualify", args=[lead.pk]), {"reason": "A student project.", **ROW}, **htmx_row(lead)
    )

    assert response.status_code == 200
    assert "Disqualified" in body(response)
    lead.refresh_from_db()
    assert lead.state == LeadState.DISQUALIFIED
    event = lead.events.get(transition="disqualify")
    assert (event.actor, event.note) == (marketer, "A student project.")


def test_recycle_a_returned_lead_delivers_it_again(client, marketer, rep):
    lead = lead_concede(lead=rejected(marketer, rep), actor=marketer)
    client.force_login(marketer)
    listing = body(client.get(reverse("marketer-leads"), {"state": "returned"}))
    assert reverse("lead-recycle", args=[lead.pk]) in listing

    response = client.post(reverse("lead-recycle", args=[lead.pk]), ROW, **htmx_row(lead))

    assert response.status_code == 200
    lead.refresh_from_db()
    assert lead.state == LeadState.MQL
    assert lead.delivery_count == 2
    assert lead.events.filter(transition="recycle", actor=marketer).exists()


def test_action_pages_render_for_the_lead_page_links(client, marketer, rep):
    fresh = inquiry(marketer)
    returned = lead_concede(lead=rejected(marketer, rep), actor=marketer)
    client.force_login(marketer)

    assert client.get(reverse("lead-qualify", args=[fresh.pk])).status_code == 200
    assert client.get(reverse("lead-disqualify", args=[fresh.pk])).status_code == 200
    assert client.get(reverse("lead-recycle", args=[returned.pk])).status_code == 200
    # Recycling an inquiry is not possible: the page says why instead of showing a form.
    wrong = client.get(reverse("lead-recycle", args=[fresh.pk]))
    assert wrong.status_code == 409
    assert "not possible while the lead is" in body(wrong)


def test_qualify_with_an_unknown_criterion_changes_nothing(client, marketer, rep):
    lead = inquiry(marketer)
    client.force_login(marketer)
    before = snapshot()

    response = client.post(
        reverse("lead-qualify", args=[lead.pk]), {"set_criteria": "True", "criteria": ["astrology"]}
    )

    assert response.status_code == 400
    assert snapshot() == before
