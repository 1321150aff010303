"""The Django admin: every page loads, the records are read-only, the
rulebook is published through its service, actions run the transitions."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import reverse

from adjudication.models import Case, Statement, Vote
from adjudication.services import case_open_appeal, case_verdict_render
from leadcourt.accounts.models import User
from leads import services
from leads.imports.services import lead_import_run, lead_import_start
from leads.models import (
    Campaign,
    CampaignStatus,
    Lead,
    LeadEvent,
    LeadState,
    RulebookVersion,
    Segment,
    Touch,
)
from tests.conftest import make_user
from tests.factories import inquiry, mql, rejected, sal
from tests.imports.conftest import csv_bytes, upload

pytestmark = pytest.mark.django_db

OUR_APPS = ("leads", "adjudication", "accounts")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def one_of_everything(marketer, rep, judge):
    """At least one row of every model the admin shows."""
    Segment.objects.create(code="emea", name="EMEA", owner_rep=rep)
    Campaign.objects.create(name="Spring webinar", source="Webinar", marketer=marketer)
    lead = sal(marketer, rep)
    services.lead_touch_log(lead=lead, actor=rep, channel="call", outcome="connected")
    case = case_open_appeal(lead=rejected(marketer, rep), actor=marketer, argument="They have budget.")
    case_verdict_render(case=case, actor=judge, decision="uphold", rationale="No budget.", finding="none")
    started = lead_import_start(
        actor=marketer,
        file=upload(
            csv_bytes(["Prospect ID", "Lead Source", "Country"], [["p-1", "Google", "India"], ["", "", ""]])
        ),
        enqueue=False,
    )
    lead_import_run(import_id=started.pk)


def _registered_models():
    return [model for model in admin.site._registry if model._meta.app_label in OUR_APPS]


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_admin_page_loads_for_a_superuser(admin_client, admin_user, one_of_everything):
    models = _registered_models()
    assert {model.__name__ for model in models} >= {
        "Lead",
        "LeadEvent",
        "Touch",
        "Segment",
        "Campaign",
        "ReasonCode",
        "RulebookVersion",
        "Case",
        "Statement",
        "Vote",
        "User",
    }
    for model in models:
        assert admin_client.get(_url(model, "changelist")).status_code == 200, model
        obj = model._default_manager.first()
        assert obj is not None, model
        assert admin_client.get(_url(model, "change", obj.pk)).status_code == 200, model
        may_add = admin.site._registry[model].has_add_permission(_request_for(admin_user))
        assert admin_client.get(_url(model, "add")).status_code == (200 if may_add else 403), model


def _request_for(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_history_touches_and_cases_cannot_be_added_or_deleted_in_the_admin(admin_client, one_of_everything):
    event = LeadEvent.objects.first()

    assert admin_client.get(_url(LeadEvent, "add")).status_code == 403
    assert admin_client.post(_url(LeadEvent, "delete", event.pk), {"post": "yes"}).status_code == 403
    assert LeadEvent.objects.filter(pk=event.pk).exists()
    for model in (Touch, Case, Statement, Vote):
        assert admin_client.get(_url(model, "add")).status_code == 403, model
        obj = model._default_manager.first()
        assert admin_client.post(_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403, model


# --- leads -------------------------------------------------------------------------------


def _change_form_data(client, url) -> dict:
    """What the admin change form would post back unchanged (fields and inline management forms)."""
    response = client.get(url)
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        if hasattr(value, "pk"):
            value = value.pk
        data[name] = value
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management.initial.get(name, 0)
    return data


def test_editing_a_lead_changes_its_details_but_never_its_state(admin_client, marketer, rep):
    lead = mql(marketer, rep, company="Old name Ltd")
    url = _url(Lead, "change", lead.pk)
    data = _change_form_data(admin_client, url)
    data.update(
        company="New name Ltd",
        state=LeadState.WON,
        criteria=["vertical", "budget", "pains", "urgency", "engagement"],
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    lead.refresh_from_db()
    assert lead.company == "New name Ltd"
    assert lead.state == LeadState.MQL
    assert lead.criteria_count == 5
    assert lead.events.count() == 2  # create, qualify: an edit is not a transition


def test_accept_action_moves_the_lead_through_the_service(admin_client, admin_user, marketer, rep):
    lead = mql(marketer, rep)

    response = admin_client.post(
        _url(Lead, "changelist"), {"action": "accept", "_selected_action": [lead.pk]}, follow=True
    )

    lead.refresh_from_db()
    assert lead.state == LeadState.SAL
    assert lead.followup_due_at is not None
    event = lead.events.last()
    assert (event.transition, event.actor) == ("accept", admin_user)
    assert "Accepted 1 lead" in response.content.decode()


def test_an_action_refused_by_the_service_is_reported_per_lead_not_a_server_error(
    admin_client, marketer, rep
):
    ready = mql(marketer, rep, first_name="Ready")
    not_ready = inquiry(marketer, first_name="Notyet")

    response = admin_client.post(
        _url(Lead, "changelist"),
        {"action": "accept", "_selected_action": [ready.pk, not_ready.pk]},
        follow=True,
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "Accepted 1 lead" in content
    assert "Not done: Notyet" in content
    assert "is not possible while the lead is" in content
    not_ready.refresh_from_db()
    assert not_ready.state == LeadState.INQUIRY


def test_expire_appeal_action_respects_the_open_window(admin_client, marketer, rep):
    lead = rejected(marketer, rep)

    response = admin_client.post(
        _url(Lead, "changelist"), {"action": "expire_appeal", "_selected_action": [lead.pk]}, follow=True
    )

    assert "The appeal window is open until" in response.content.decode()
    lead.refresh_from_db()
    assert lead.state == LeadState.REJECTED


def test_leads_cannot_be_added_or_deleted_in_the_admin(admin_client, marketer):
    lead = inquiry(marketer)

    assert admin_client.get(_url(Lead, "add")).status_code == 403
    assert admin_client.post(_url(Lead, "delete", lead.pk), {"post": "yes"}).status_code == 403


# --- campaigns ------------------------------------------------------------------------------


def test_the_go_live_action_refuses_a_campaign_without_its_forecast(admin_client, marketer):
    response = admin_client.post(
        _url(Campaign, "add"), {"name": "Launch", "source": "Webinar", "marketer": marketer.pk}
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get(name="Launch")
    assert campaign.status == CampaignStatus.DRAFT

    response = admin_client.post(
        _url(Campaign, "changelist"), {"action": "launch", "_selected_action": [campaign.pk]}, follow=True
    )

    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT
    refusal = [str(m) for m in response.context["messages"]]
    assert any("Not done" in line and "forecast" in line.lower() for line in refusal), refusal


def test_a_campaign_with_its_forecast_goes_live_through_the_action(admin_client, marketer):
    admin_client.post(
        _url(Campaign, "add"),
        {
            "name": "Launch",
            "source": "Webinar",
            "marketer": marketer.pk,
            "forecast_leads": 100,
            "forecast_mqls": 40,
            "forecast_revenue": "250000",
            "budget": "15000",
        },
    )
    campaign = Campaign.objects.get(name="Launch")

    admin_client.post(_url(Campaign, "changelist"), {"action": "launch", "_selected_action": [campaign.pk]})

    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.LIVE
    # The service wrote the history once; the admin did not log it a second time.
    assert LogEntry.objects.filter(object_id=str(campaign.pk)).count() == 2  # created, launched


def test_the_campaign_form_shows_the_services_refusal_next_to_the_field(admin_client, marketer):
    response = admin_client.post(
        _url(Campaign, "add"),
        {
            "name": "Launch",
            "marketer": marketer.pk,
            "budget": "-5",
            "starts_on": "2026-05-02",
            "ends_on": "2026-05-01",
        },
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "budget" in errors and "ends_on" in errors
    assert not Campaign.objects.exists()


# --- the rulebook ------------------------------------------------------------------------------


def _rulebook_form_data(**changes) -> dict:
    current = RulebookVersion.objects.order_by("-version").first()
    data = {"change_note": "Faster decisions"}
    for name in services.RULE_FIELDS:
        value = getattr(current, name)
        if value is True:
            data[name] = "on"
        elif value is not False:
            data[name] = value
    for name, value in changes.items():
        if value is False:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def test_the_rulebook_add_form_starts_from_the_version_in_force(admin_client, admin_user):
    services.rulebook_version_create(actor=admin_user, decision_hours=30)

    form = admin_client.get(_url(RulebookVersion, "add")).context["adminform"].form

    assert form.initial["decision_hours"] == 30


def test_adding_a_rulebook_version_publishes_version_2_authored_by_the_admin(admin_client, admin_user):
    response = admin_client.post(_url(RulebookVersion, "add"), _rulebook_form_data(decision_hours=24))

    assert response.status_code == 302
    version = RulebookVersion.objects.get(version=2)
    assert version.author == admin_user
    assert version.decision_hours == 24
    assert version.change_note == "Faster decisions"
    assert RulebookVersion.objects.get(version=1).decision_hours == 48


def test_a_rulebook_with_grade_a_below_qualification_is_a_form_error(admin_client):
    response = admin_client.post(
        _url(RulebookVersion, "add"), _rulebook_form_data(mql_min_criteria=6, grade_a_min_criteria=5)
    )

    assert response.status_code == 200
    assert "grade_a_min_criteria" in response.context["adminform"].form.errors
    assert RulebookVersion.objects.count() == 1


def test_published_rulebook_versions_are_read_only(admin_client):
    version = RulebookVersion.objects.get(version=1)
    url = _url(RulebookVersion, "change", version.pk)

    assert admin_client.post(url, _rulebook_form_data(decision_hours=1)).status_code == 403
    assert admin_client.post(_url(RulebookVersion, "delete", version.pk), {"post": "yes"}).status_code == 403
    version.refresh_from_db()
    assert version.decision_hours == 48


def test_staff_who_are_not_superusers_cannot_publish_a_rulebook_version(client):
    staff = make_user("staff", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="leads", codename__in=["add_rulebookversion", "view_rulebookversion"]
        )
    )
    client.force_login(User.objects.get(pk=staff.pk))

    assert client.get(_url(RulebookVersion, "changelist")).status_code == 200
    assert client.get(_url(RulebookVersion, "add")).status_code == 403
    assert client.post(_url(RulebookVersion, "add"), _rulebook_form_data(decision_hours=1)).status_code == 403
    assert RulebookVersion.objects.count() == 1
