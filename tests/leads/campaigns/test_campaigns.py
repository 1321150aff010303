"""Campaigns: the services (a forecast before going live), and the pages
(list with forecast vs actual, new, detail/edit, go live, end)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leadcourt.errors import ActionForbidden, GuardFailed, InvalidInput
from leads import services
from leads.campaigns import services as campaign_services
from leads.models import Campaign, CampaignStatus, Lead
from tests.factories import LeadFactory, inquiry, mql, sql

pytestmark = pytest.mark.django_db

FORECAST = {
    "forecast_leads": 100,
    "forecast_mqls": 40,
    "forecast_revenue": Decimal("50000.00"),
    "budget": Decimal("8000.00"),
}


def body(response) -> str:
    return response.content.decode()


def campaign_rows() -> list[dict]:
    return list(Campaign.objects.order_by("pk").values())


def history(campaign) -> list[str]:
    return list(
        LogEntry.objects.filter(object_id=str(campaign.pk), content_type__model="campaign")
        .order_by("pk")
        .values_list("change_message", flat=True)
    )


# --- services --------------------------------------------------------------------------------------


def test_a_new_campaign_is_a_draft_owned_by_its_creator(marketer):
    campaign = campaign_services.campaign_create(actor=marketer, name="  Spring webinar ", source="Webinar")

    assert campaign.status == CampaignStatus.DRAFT
    assert campaign.name == "Spring webinar"
    assert campaign.marketer == marketer
    assert history(campaign) == ["Created as a draft."]


def test_a_campaign_cannot_go_live_without_its_forecast(marketer):
    campaign = campaign_services.campaign_create(actor=marketer, name="Spring", forecast_leads=100)
    before = campaign_rows()

    with pytest.raises(InvalidInput) as refused:
        campaign_services.campaign_launch(campaign=campaign, actor=marketer)

    assert set(refused.value.errors) == {"forecast_mqls", "forecast_revenue", "budget"}
    assert "cannot go live without its forecast" in refused.value.message
    assert campaign_rows() == before
    assert history(campaign) == ["Created as a draft."]


def test_the_database_also_refuses_a_live_campaign_without_forecast(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Campaign.objects.create(name="Sneaky", status=CampaignStatus.LIVE)


def test_a_campaign_with_a_forecast_goes_live_today_and_ends(marketer, clock):
    campaign = campaign_services.campaign_create(actor=marketer, name="Spring", **FORECAST)

    live = campaign_services.campaign_launch(campaign=campaign, actor=marketer)
    clock.advance(days=30)
    ended = campaign_services.campaign_end(campaign=campaign, actor=marketer)

    assert live.status == CampaignStatus.LIVE
    assert live.starts_on == date(2025, 1, 13)
    assert ended.status == CampaignStatus.ENDED
    assert ended.ends_on == date(2025, 2, 12)
    assert history(campaign) == ["Created as a draft.", "Went live.", "Ended."]


def test_only_a_draft_goes_live_and_only_a_live_campaign_ends(marketer):
    campaign = campaign_services.campaign_create(actor=marketer, name="Spring", **FORECAST)

    with pytest.raises(GuardFailed, match="Only a live campaign can end"):
        campaign_services.campaign_end(campaign=campaign, actor=marketer)
    campaign_services.campaign_launch(campaign=campaign, actor=marketer)
    with pytest.raises(GuardFailed, match="Only a draft campaign can go live"):
        campaign_services.campaign_launch(campaign=campaign, actor=marketer)


def test_a_live_campaign_keeps_its_forecast_and_an_ended_one_does_not_change(marketer):
    campaign = campaign_services.campaign_launch(
        campaign=campaign_services.campaign_create(actor=marketer, name="Spring", **FORECAST), actor=marketer
    )

    with pytest.raises(InvalidInput) as refused:
        campaign_services.campaign_update(campaign=campaign, actor=marketer, budget=None)
    assert set(refused.value.errors) == {"budget"}

    updated = campaign_services.campaign_update(campaign=campaign, actor=marketer, forecast_leads=120)
    assert updated.forecast_leads == 120
    assert history(campaign)[-1] == "Changed forecast leads: 100 → 120."

    campaign_services.campaign_end(campaign=campaign, actor=marketer)
    with pytest.raises(GuardFailed, match="has ended"):
        campaign_services.campaign_update(campaign=campaign, actor=marketer, forecast_leads=1)


def test_an_update_that_changes_nothing_writes_no_history(marketer):
    campaign = campaign_services.campaign_create(actor=marketer, name="Spring", **FORECAST)

    campaign_services.campaign_update(
        campaign=campaign, actor=marketer, name="Spring", budget=Decimal("8000")
    )

    assert history(campaign) == ["Created as a draft."]


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"budget": Decimal("-1")}, "budget"),
        ({"forecast_revenue": Decimal("-0.01")}, "forecast_revenue"),
        ({"forecast_leads": -5}, "forecast_leads"),
        ({"forecast_mqls": 10**12}, "forecast_mqls"),
        ({"budget": Decimal("1e15")}, "budget"),
        ({"budget": "NaN"}, "budget"),
        ({"budget": "12.345"}, "budget"),
        ({"starts_on": date(2025, 2, 1), "ends_on": date(2025, 1, 1)}, "ends_on"),
        ({"starts_on": "2025-02-30"}, "starts_on"),
        ({"source": "s" * 10_000}, "source"),
        ({"name": "n" * 10_000}, "name"),
        ({"name": "   "}, "name"),
    ],
)
def test_bad_campaign_fields_are_refused_field_by_field(marketer, fields, bad):
    fields = {"name": "Spring", **fields}

    with pytest.raises(InvalidInput) as refused:
        campaign_services.campaign_create(actor=marketer, **fields)

    assert bad in refused.value.errors
    assert not Campaign.objects.exists()
    assert not LogEntry.objects.exists()


def test_campaign_names_are_unique_whatever_their_case(marketer):
    campaign_services.campaign_create(actor=marketer, name="Spring")

    with pytest.raises(InvalidInput) as refused:
        campaign_services.campaign_create(actor=marketer, name="SPRING")

    assert refused.value.errors == {"name": ["Another campaign already has this name."]}


def test_the_owner_must_be_an_active_marketer(marketer, rep):
    with pytest.raises(InvalidInput) as refused:
        campaign_services.campaign_create(actor=marketer, name="Spring", marketer=rep)

    assert "marketer" in refused.value.errors


@pytest.mark.parametrize("persona", ["manager", "rep", "judge", "outsider"])
def test_only_marketers_manage_campaigns(request, marketer, persona):
    actor = request.getfixturevalue(persona)
    campaign = campaign_services.campaign_create(actor=marketer, name="Spring", **FORECAST)
    before = campaign_rows()

    with pytest.raises(ActionForbidden):
        campaign_services.campaign_create(actor=actor, name="Mine")
    with pytest.raises(ActionForbidden):
        campaign_services.campaign_update(campaign=campaign, actor=actor, budget=Decimal(1))
    with pytest.raises(ActionForbidden):
        campaign_services.campaign_launch(campaign=campaign, actor=actor)

    assert campaign_rows() == before


# --- the list ---------------------------------------------------------------------------------------


def test_list_shows_forecast_beside_actual_leads_mqls_and_won_revenue(client, marketer, rep):
    campaign = campaign_services.campaign_create(actor=marketer, name="Spring", **FORECAST)
    inquiry(marketer, campaign=campaign)
    mql(marketer, rep, campaign=campaign)
    won = services.lead_close_won(lead=sql(marketer, rep, campaign=campaign), actor=rep, amount="12500")
    assert won.campaign == campaign

    client.force_login(marketer)
    response = client.get(reverse("campaigns"))

    assert response.status_code == 200
    listed = next(c for c in response.context["campaigns"] if c.pk == campaign.pk)
    assert (listed.actual_leads, listed.actual_mqls, listed.actual_won) == (3, 2, 1)
    assert listed.actual_revenue == Decimal("12500.00")
    assert (listed.leads_pct, listed.mqls_pct, listed.revenue_pct) == (3, 5, 25)
    assert listed.roi_pct == 56  # (12 500 − 8 000) / 8 000
    content = body(response)
    assert "Spring" in content and "12,500" in content and "of 50,000" in content


def test_managers_see_campaigns_but_other_roles_do_not(client, marketer, manager, rep, judge, outsider):
    campaign = campaign_services.campaign_create(actor=marketer, name="Spring")

    client.force_login(manager)
    listing = client.get(reverse("campaigns"))
    detail = client.get(reverse("campaign-detail", args=[campaign.pk]))
    assert listing.status_code == 200 and "New campaign" not in body(listing)
    assert detail.status_code == 200 and "Save changes" not in body(detail) and "Go live" not in body(detail)
    for persona in (rep, judge, outsider):
        client.force_login(persona)
        assert client.get(reverse("campaigns")).status_code == 403
        assert client.get(reverse("campaign-detail", args=[campaign.pk])).status_code == 403


def _bulk_campaigns(count: int, start: int = 0) -> None:
    campaigns = Campaign.objects.bulk_create(
        Campaign(name=f"Campaign {start + n:04}", **FORECAST, status=CampaignStatus.LIVE)
        for n in range(count)
    )
    Lead.objects.bulk_create(
        LeadFactory.build(campaign=campaign, email=f"c{campaign.pk}-{k}@example.com")
        for campaign in campaigns
        for k in range(2)
    )


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


def test_campaign_list_costs_the_same_queries_for_10_or_200_campaigns(client, marketer):
    _bulk_campaigns(10)
    client.force_login(marketer)
    _queries(client, reverse("campaigns"))

    ten = _queries(client, reverse("campaigns"), {"page": "1"})
    _bulk_campaigns(190, start=10)
    two_hundred = _queries(client, reverse("campaigns"), {"page": "1"})
    last_page = _queries(client, reverse("campaigns"), {"page": "8"})

    assert ten == two_hundred == last_page


@pytest.mark.parametrize(
    "params",
    [{"page": "x"}, {"page": "-3"}, {"page": "9" * 50}, {"status": "exploded"}, {"status": "l" * 5000}],
)
def test_hostile_list_parameters_never_crash(client, marketer, params):
    campaign_services.campaign_create(actor=marketer, name="Spring")
    client.force_login(marketer)

    assert client.get(reverse("campaigns"), params).status_code == 200


# --- new, edit, go live, end -------------------------------------------------------------------------


def campaign_form(**overrides) -> dict:
    data = {
        "name": "Spring webinar",
        "source": "Webinar",
        "starts_on": "2025-02-01",
        "ends_on": "2025-03-31",
        "forecast_leads": "100",
        "forecast_mqls": "40",
        "forecast_revenue": "50000",
        "budget": "8000.50",
    }
    data.update(overrides)
    return data


def test_marketer_creates_a_campaign_through_the_page(client, marketer):
    client.force_login(marketer)

    response = client.post(reverse("campaign-new"), campaign_form())

    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("campaign-detail", args=[campaign.pk])
    assert campaign.status == CampaignStatus.DRAFT
    assert campaign.budget == Decimal("8000.50")
    assert campaign.marketer == marketer
    assert history(campaign) == ["Created as a draft."]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"budget": "-100"}, "budget"),
        ({"forecast_revenue": "-1"}, "forecast_revenue"),
        ({"forecast_leads": "99999999999999999999"}, "forecast_leads"),
        ({"budget": "1" + "0" * 40}, "budget"),
        ({"budget": "abc"}, "budget"),
        ({"forecast_mqls": "1.5"}, "forecast_mqls"),
        ({"starts_on": "2025-13-45"}, "starts_on"),
        ({"ends_on": "yesterday"}, "ends_on"),
        ({"starts_on": "2025-04-01", "ends_on": "2025-03-01"}, "ends_on"),
        ({"name": "x" * 10_000}, "name"),
        ({"name": ""}, "name"),
        ({"marketer": "999999999999999999999"}, "marketer"),
    ],
)
def test_bad_campaign_input_is_shown_next_to_the_field_and_creates_nothing(
    client, marketer, overrides, field
):
    client.force_login(marketer)

    response = client.post(reverse("campaign-new"), campaign_form(**overrides))

    assert response.status_code == 400
    content = body(response)
    field_at = content.index(f'name="{field}"')
    error_at = content.index(f'id="id_{field}_error"')
    assert field_at < error_at
    assert 'class="field' not in content[field_at:error_at]
    assert not Campaign.objects.exists()


def test_manager_cannot_create_or_change_a_campaign_through_the_pages(client, marketer, manager):
    campaign = campaign_services.campaign_create(actor=marketer, name="Spring", **FORECAST)
    client.force_login(manager)
    before = campaign_rows()

    assert client.get(reverse("campaign-new")).status_code == 403
    assert client.post(reverse("campaign-new"), campaign_form(name="Other")).status_code == 403
    assert client.post(reverse("campaign-detail", args=[campaign.pk]), campaign_form()).status_code == 403
    assert client.post(reverse("campaign-launch", args=[campaign.pk])).status_code == 403
    assert campaign_rows() == before


def test_go_live_without_forecast_shows_the_error_next_to_each_missing_field(client, marketer):
    campaign = campaign_services.campaign_create(
        actor=marketer, name="Spring", forecast_leads=100, budget=Decimal(5)
    )
    client.force_login(marketer)
    before = campaign_rows()

    detail = body(client.get(reverse("campaign-detail", args=[campaign.pk])))
    response = client.post(reverse("campaign-launch", args=[campaign.pk]))

    assert "cannot go live until its forecast is complete: MQLs, Revenue missing" in detail
    assert response.status_code == 400
    content = body(response)
    assert "cannot go live without its forecast" in content
    for field in ("forecast_mqls", "forecast_revenue"):
        field_at = content.index(f'name="{field}"')
        error_at = content.index(f'id="id_{field}_error"')
        assert field_at < error_at and 'class="field' not in content[field_at:error_at]
        assert "Required before the campaign goes live." in content[field_at : error_at + 200]
    assert 'id="id_budget_error"' not in content
    assert campaign_rows() == before


def test_go_live_then_end_through_the_pages(client, marketer, clock):
    campaign = campaign_services.campaign_create(actor=marketer, name="Spring", **FORECAST)
    client.force_login(marketer)

    live = client.post(reverse("campaign-launch", args=[campaign.pk]), follow=True)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.LIVE
    assert "is live" in body(live)
    assert "End campaign" in body(live)

    ended = client.post(reverse("campaign-end", args=[campaign.pk]), follow=True)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.ENDED
    assert "no longer changes" in body(ended)
    assert "Went live." in body(ended) and "Ended." in body(ended)


def test_edit_a_campaign_through_its_page(client, marketer):
    campaign = campaign_services.campaign_create(actor=marketer, name="Spring", **FORECAST)
    client.force_login(marketer)

    response = client.post(
        reverse("campaign-detail", args=[campaign.pk]), campaign_form(name="Spring", forecast_leads="150")
    )

    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.forecast_leads == 150
    assert "forecast leads: 100 → 150" in history(campaign)[-1]


def test_clearing_a_live_campaigns_forecast_is_refused_on_the_page(client, marketer):
    campaign = campaign_services.campaign_launch(
        campaign=campaign_services.campaign_create(actor=marketer, name="Spring", **FORECAST), actor=marketer
    )
    client.force_login(marketer)
    before = campaign_rows()

    response = client.post(
        reverse("campaign-detail", args=[campaign.pk]), campaign_form(name="Spring", budget="")
    )

    assert response.status_code == 400
    assert "A live campaign keeps its forecast." in body(response)
    assert campaign_rows() == before


def test_actions_need_post_and_unknown_campaigns_are_404(client, marketer):
    campaign = campaign_services.campaign_create(actor=marketer, name="Spring", **FORECAST)
    client.force_login(marketer)

    assert client.get(reverse("campaign-launch", args=[campaign.pk])).status_code == 405
    assert client.get(reverse("campaign-detail", args=[999_999])).status_code == 404
    assert client.post(reverse("campaign-end", args=[999_999])).status_code == 404
    assert client.get("/campaigns/99999999999999999999999/").status_code == 404


def test_ending_twice_is_a_conflict_not_a_crash(client, marketer):
    campaign = campaign_services.campaign_launch(
        campaign=campaign_services.campaign_create(actor=marketer, name="Spring", **FORECAST), actor=marketer
    )
    client.force_login(marketer)
    client.post(reverse("campaign-end", args=[campaign.pk]))

    again = client.post(reverse("campaign-end", args=[campaign.pk]))

    assert again.status_code == 409
    assert "Only a live campaign can end" in body(again)
