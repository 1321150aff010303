"""The leads endpoints of /api/v1/ (SPEC §9): list, intake, detail, every
transition, reassignment, touches, the rulebook."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from adjudication.models import Case
from adjudication.services import lead_concede
from leads import services
from leads.models import Campaign, Lead, LeadEvent, LeadState, Touch
from tests import factories

pytestmark = pytest.mark.django_db


def url(lead, action: str = "") -> str:
    return f"/api/v1/leads/{lead.pk}/{action + '/' if action else ''}"


# --- GET /leads/ ------------------------------------------------------------------------------


def test_a_rep_lists_only_the_leads_assigned_to_them(api, rep, other_rep, marketer, rep_segment):
    mine = factories.mql(marketer, rep, segment=rep_segment)
    other_segment = rep_segment.__class__.objects.create(code="apac", name="APAC", owner_rep=other_rep)
    factories.mql(marketer, other_rep, segment=other_segment)
    factories.inquiry(marketer)

    body = api(rep).get("/api/v1/leads/").json()

    assert [lead["id"] for lead in body["results"]] == [mine.pk]
    assert body["count"] == 1


def test_marketers_and_managers_list_every_lead_and_judges_those_with_a_case(
    api, rep, marketer, manager, judge, rep_segment
):
    factories.inquiry(marketer)
    appealed = factories.rejected(marketer, rep, segment=rep_segment)
    lead_concede(lead=factories.rejected(marketer, rep, segment=rep_segment), actor=marketer)
    from adjudication.services import case_open_appeal

    case_open_appeal(lead=appealed, actor=marketer, argument="They have budget.")

    assert api(marketer).get("/api/v1/leads/").json()["count"] == 3
    assert api(manager).get("/api/v1/leads/").json()["count"] == 3
    assert [lead["id"] for lead in api(judge).get("/api/v1/leads/").json()["results"]] == [appealed.pk]


def test_the_list_filters_by_state_rep_campaign_source_and_search(
    api, rep, other_rep, marketer, manager, rep_segment
):
    campaign = Campaign.objects.create(name="Spring webinar", source="Webinar")
    webinar = factories.mql(
        marketer, rep, segment=rep_segment, campaign=campaign, source="Webinar", company="Initech"
    )
    inquiry = factories.inquiry(marketer, source="Web", email="grace@hopper.example")
    client = api(manager)

    def ids(query):
        response = client.get(f"/api/v1/leads/?{query}")
        assert response.status_code == 200, response.json()
        return {lead["id"] for lead in response.json()["results"]}

    assert ids("state=mql") == {webinar.pk}
    assert ids("state=inquiry") == {inquiry.pk}
    assert ids(f"assigned_rep={rep.pk}") == {webinar.pk}
    assert ids(f"assigned_rep={other_rep.pk}") == set()
    assert ids(f"campaign={campaign.pk}") == {webinar.pk}
    assert ids("source=webinar") == {webinar.pk}
    assert ids("search=initech") == {webinar.pk}
    assert ids("search=HOPPER") == {inquiry.pk}
    assert ids("state=&source=&search=") == {webinar.pk, inquiry.pk}
    assert api(rep).get("/api/v1/leads/?assigned_rep=me").json()["count"] == 1
    assert api(marketer).get("/api/v1/leads/?assigned_rep=me").json()["count"] == 0


def test_the_list_is_paginated_newest_first(api, marketer):
    leads = [factories.inquiry(marketer) for _ in range(3)]

    body = api(marketer).get("/api/v1/leads/?page_size=2").json()

    assert body["count"] == 3
    assert [lead["id"] for lead in body["results"]] == [leads[2].pk, leads[1].pk]
    assert body["previous"] is None
    assert "page=2" in body["next"]
    second = api(marketer).get(body["next"]).json()
    assert [lead["id"] for lead in second["results"]] == [leads[0].pk]


def test_a_list_item_shows_grade_owner_rep_and_probable_duplicate(api, rep, marketer, rep_segment):
    first = factories.inquiry(marketer, email="ada@example.com")
    second = factories.mql(
        marketer, rep, segment=rep_segment, email="ADA@example.com", criteria=factories.SEVEN_CRITERIA
    )

    item = next(
        lead for lead in api(marketer).get("/api/v1/leads/").json()["results"] if lead["id"] == second.pk
    )

    assert item["grade"] == "A"
    assert item["duplicate_of"] == first.pk
    assert item["marketer"]["username"] == "marketer"
    assert item["assigned_rep"]["username"] == "rep"
    assert item["segment"] == "emea"


@pytest.mark.postgres
@pytest.mark.parametrize("persona", ["manager", "judge", "rep"])
def test_listing_costs_the_same_number_of_queries_for_2_or_12_leads(
    api, request, persona, rep, marketer, judge, rep_segment
):
    from adjudication.services import case_open_appeal

    user = request.getfixturevalue(persona)
    client = api(user)

    def add_leads(n):
        for _ in range(n):
            lead = factories.rejected(marketer, rep, segment=rep_segment, campaign=Campaign.objects.first())
            case_open_appeal(lead=lead, actor=marketer, argument="Budget is there.")

    Campaign.objects.create(name="C")
    add_leads(2)
    client.get("/api/v1/leads/")  # warm caches (content types, ...)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/leads/").json()["count"] == 2
    add_leads(10)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/api/v1/leads/").json()["count"] == 12

    assert len(many) == len(few)


# --- POST /leads/ ---------------------------------------------------------------------------------


def test_a_marketer_creates_an_inquiry_and_owns_it(api, marketer):
    response = api(marketer).post(
        "/api/v1/leads/",
        {
            "external_id": "CRM-42",
            "first_name": "Grace",
            "last_name": "Hopper",
            "email": "grace@navy.example",
            "company": "US Navy",
            "source": "Web",
            "criteria": ["vertical", "budget"],
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "inquiry"
    assert body["external_id"] == "CRM-42"
    assert body["criteria"] == ["vertical", "budget"]
    assert body["marketer"]["username"] == "marketer"
    assert [event["transition"] for event in body["history"]] == ["create"]
    assert Lead.objects.get(pk=body["id"]).company == "US Navy"


def test_posting_the_same_external_id_again_returns_the_existing_lead_unchanged(
    api, marketer, other_marketer
):
    first = api(marketer).post("/api/v1/leads/", {"external_id": "CRM-7", "first_name": "Ada"}, format="json")

    again = api(other_marketer).post(
        "/api/v1/leads/", {"external_id": "CRM-7", "first_name": "Changed"}, format="json"
    )

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["first_name"] == "Ada"
    assert Lead.objects.count() == 1


def test_a_second_lead_with_the_same_email_is_flagged_as_a_probable_duplicate(api, marketer):
    first = api(marketer).post("/api/v1/leads/", {"email": "ada@example.com"}, format="json").json()

    second = api(marketer).post("/api/v1/leads/", {"email": "Ada@Example.com"}, format="json")

    assert second.status_code == 201
    assert second.json()["duplicate_of"] == first["id"]


def test_intake_can_name_campaign_segment_and_owning_marketer(api, admin_user, marketer, rep_segment):
    campaign = Campaign.objects.create(name="Spring")

    response = api(admin_user).post(
        "/api/v1/leads/",
        {"campaign": campaign.pk, "segment": "emea", "marketer": marketer.pk},
        format="json",
    )

    assert response.status_code == 201
    lead = Lead.objects.get(pk=response.json()["id"])
    assert (lead.campaign, lead.segment, lead.marketer) == (campaign, rep_segment, marketer)


@pytest.mark.parametrize("persona", ["rep", "judge", "manager", "outsider"])
def test_only_marketers_and_administrators_create_leads(api, request, persona):
    response = api(request.getfixturevalue(persona)).post(
        "/api/v1/leads/", {"first_name": "Ada"}, format="json"
    )

    assert response.status_code == 403
    assert response.json() == {"error": "forbidden", "detail": "Only marketers may create leads."}
    assert not Lead.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"criteria": ["vertical", "astrology"]}, "criteria"),
        ({"criteria": "vertical"}, "criteria"),
        ({"campaign": 999}, "campaign"),
        ({"segment": "nowhere"}, "segment"),
        ({"external_id": "x" * 129}, "external_id"),
        ({"company": "c" * 201}, "company"),
    ],
)
def test_intake_refuses_bad_fields_with_a_message_for_each(api, marketer, body, field):
    response = api(marketer).post("/api/v1/leads/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert not Lead.objects.exists()


def test_the_owning_marketer_must_be_a_marketer(api, admin_user, rep):
    response = api(admin_user).post("/api/v1/leads/", {"marketer": rep.pk}, format="json")

    assert response.status_code == 400
    assert "marketer" in response.json()["errors"]


# --- GET /leads/{id}/ -----------------------------------------------------------------------------


def test_the_lead_shows_state_grade_criteria_allowed_transitions_history_and_touches(
    api, rep, marketer, rep_segment
):
    lead = factories.sal(marketer, rep, segment=rep_segment, criteria=factories.SEVEN_CRITERIA)
    services.lead_touch_log(lead=lead, actor=rep, channel="email", outcome="replied", note="Sent deck")

    body = api(rep).get(url(lead)).json()

    assert body["state"] == "sal"
    assert body["grade"] == "A"
    assert sorted(body["criteria"]) == sorted(factories.SEVEN_CRITERIA)
    assert body["allowed_transitions"] == ["qualify_opportunity", "return_after_followup"]
    assert [event["transition"] for event in body["history"]] == ["create", "qualify", "accept"]
    assert body["history"][-1]["actor"]["username"] == "rep"
    assert body["history"][-1]["rulebook_version"] == 1
    assert [(t["channel"], t["outcome"], t["note"]) for t in body["touches"]] == [
        ("email", "replied", "Sent deck")
    ]
    assert body["followup_due_at"] is not None


def test_allowed_transitions_are_the_callers(api, rep, marketer, manager, rep_segment):
    lead = factories.mql(marketer, rep, segment=rep_segment)

    assert api(rep).get(url(lead)).json()["allowed_transitions"] == ["accept", "reject"]
    assert api(marketer).get(url(lead)).json()["allowed_transitions"] == []
    assert api(manager).get(url(lead)).json()["allowed_transitions"] == []


def test_a_lead_the_caller_may_not_see_is_404_like_an_unknown_one(api, other_rep, marketer, rep, rep_segment):
    lead = factories.mql(marketer, rep, segment=rep_segment)

    response = api(other_rep).get(url(lead))

    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "detail": "No such lead."}


@pytest.mark.postgres
def test_the_lead_page_costs_the_same_queries_with_more_history_and_touches(api, rep, marketer, rep_segment):
    lead = factories.sal(marketer, rep, segment=rep_segment)
    client = api(rep)
    client.get(url(lead))
    with CaptureQueriesContext(connection) as few:
        client.get(url(lead))
    for channel in ("call", "email", "sms", "social"):
        services.lead_touch_log(lead=lead, actor=rep, channel=channel, outcome="no_answer")
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url(lead)).json()["touches"]) == 4

    assert len(many) == len(few)


# --- POST /leads/{id}/{transition}/ -----------------------------------------------------------------


def test_qualify_routes_the_inquiry_to_a_rep(api, marketer, rep, rep_segment):
    lead = factories.inquiry(marketer, segment=rep_segment, criteria=["vertical"])

    response = api(marketer).post(url(lead, "qualify"), {"criteria": factories.FOUR_CRITERIA}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "mql"
    assert body["assigned_rep"]["id"] == rep.pk
    assert body["decision_due_at"] is not None
    assert body["criteria_count"] == 4


def test_qualify_below_the_rulebook_threshold_is_a_409_guard(api, marketer, rep, rep_segment):
    lead = factories.inquiry(marketer, segment=rep_segment, criteria=["vertical", "budget"])

    response = api(marketer).post(url(lead, "qualify"), {}, format="json")

    assert response.status_code == 409
    assert response.json() == {
        "error": "too_few_criteria",
        "detail": "The lead meets 2 of the 4 qualification criteria the rulebook requires.",
        "criteria_met": 2,
        "criteria_required": 4,
    }


def test_disqualify_needs_a_reason(api, marketer):
    lead = factories.inquiry(marketer)

    blank = api(marketer).post(url(lead, "disqualify"), {"reason": "  "}, format="json")
    done = api(marketer).post(url(lead, "disqualify"), {"reason": "Student"}, format="json")

    assert blank.status_code == 400
    assert "reason" in blank.json()["errors"]
    assert done.status_code == 200
    assert done.json()["state"] == "disqualified"
    assert done.json()["disqualify_reason"] == "Student"


def test_the_assigned_rep_accepts(api, rep, marketer, rep_segment):
    lead = factories.mql(marketer, rep, segment=rep_segment)

    response = api(rep).post(url(lead, "accept"), format="json")

    assert response.status_code == 200
    assert response.json()["state"] == "sal"
    assert LeadEvent.objects.filter(lead=lead, transition="accept", actor=rep).exists()


def test_an_impossible_transition_is_409_with_state_and_allowed_exactly(api, rep, marketer, rep_segment):
    lead = factories.sal(marketer, rep, segment=rep_segment)

    response = api(rep).post(url(lead, "accept"), {}, format="json")

    assert response.status_code == 409
    assert response.json() == {
        "error": "invalid_transition",
        "state": "sal",
        "allowed": ["qualify_opportunity", "return_after_followup"],
        "detail": "'accept' is not possible while the lead is 'SAL'.",
    }


def test_reject_needs_a_known_reason_code_and_a_note_with_other(api, rep, marketer, rep_segment):
    lead = factories.mql(marketer, rep, segment=rep_segment)
    client = api(rep)

    unknown = client.post(url(lead, "reject"), {"reason": "vibes"}, format="json")
    no_note = client.post(url(lead, "reject"), {"reason": "other"}, format="json")
    done = client.post(url(lead, "reject"), {"reason": "other", "note": "Bought a rival"}, format="json")

    assert unknown.status_code == 400
    assert unknown.json()["errors"] == {"reason": ["Unknown reason code 'vibes'."]}
    assert no_note.status_code == 400
    assert list(no_note.json()["errors"]) == ["note"]
    assert done.status_code == 200
    assert done.json()["state"] == "rejected"
    assert done.json()["rejection_reason"] == "other"
    assert done.json()["appeal_due_at"] is not None


def test_the_owning_marketer_appeals_and_a_case_opens(api, rep, marketer, rep_segment):
    lead = factories.rejected(marketer, rep, segment=rep_segment)

    response = api(marketer).post(
        url(lead, "appeal"), {"argument": "The CFO confirmed budget."}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "in_review"
    assert [(case["kind"], case["status"]) for case in body["cases"]] == [("appeal", "open")]
    case = Case.objects.get(pk=body["cases"][0]["id"])
    assert case.statements.get().text == "The CFO confirmed budget."


def test_an_appeal_needs_an_argument(api, rep, marketer, rep_segment):
    lead = factories.rejected(marketer, rep, segment=rep_segment)

    response = api(marketer).post(url(lead, "appeal"), {}, format="json")

    assert response.status_code == 400
    assert "argument" in response.json()["errors"]
    assert not Case.objects.exists()


def test_the_owning_marketer_concedes(api, rep, marketer, rep_segment):
    lead = factories.rejected(marketer, rep, segment=rep_segment)

    response = api(marketer).post(url(lead, "concede"), {"note": "Fair enough"}, format="json")

    assert response.status_code == 200
    assert response.json()["state"] == "returned"


def test_return_after_followup_needs_the_required_touches(api, rep, marketer, rep_segment):
    lead = factories.sal(marketer, rep, segment=rep_segment)
    client = api(rep)

    too_early = client.post(url(lead, "return-after-followup"), {"reason": "unreachable"}, format="json")
    for channel in ("call", "email", "sms"):
        client.post(url(lead, "touches"), {"channel": channel, "outcome": "no_answer"}, format="json")
    done = client.post(url(lead, "return-after-followup"), {"reason": "unreachable"}, format="json")

    assert too_early.status_code == 409
    assert too_early.json()["error"] == "too_few_touches"
    assert too_early.json()["touches_required"] == 3
    assert done.status_code == 200
    assert done.json()["state"] == "rejected"


def test_qualify_opportunity_then_close_won_with_an_amount(api, rep, marketer, rep_segment):
    lead = factories.sal(marketer, rep, segment=rep_segment)
    client = api(rep)

    assert client.post(url(lead, "qualify-opportunity"), format="json").json()["state"] == "sql"
    zero = client.post(url(lead, "close-won"), {"amount": "0"}, format="json")
    won = client.post(url(lead, "close-won"), {"amount": "12500.50"}, format="json")

    assert zero.status_code == 400
    assert list(zero.json()["errors"]) == ["amount"]
    assert won.status_code == 200
    assert won.json()["state"] == "won"
    assert won.json()["won_amount"] == "12500.50"


def test_close_lost_with_a_reason(api, rep, marketer, rep_segment):
    lead = factories.sql(marketer, rep, segment=rep_segment)

    response = api(rep).post(url(lead, "close-lost"), {"reason": "competitor_won"}, format="json")

    assert response.status_code == 200
    assert response.json()["state"] == "lost"
    assert response.json()["lost_reason"] == "competitor_won"


def test_a_marketer_recycles_a_returned_lead_to_sales_again(api, rep, marketer, rep_segment):
    lead = lead_concede(lead=factories.rejected(marketer, rep, segment=rep_segment), actor=marketer)

    response = api(marketer).post(url(lead, "recycle"), {}, format="json")

    assert response.status_code == 200
    assert response.json()["state"] == "mql"
    assert response.json()["delivery_count"] == 2


def test_a_refused_transition_writes_nothing(api, marketer, rep, rep_segment):
    lead = factories.mql(marketer, rep, segment=rep_segment)
    before = (Lead.objects.filter(pk=lead.pk).values().get(), LeadEvent.objects.count())

    response = api(marketer).post(url(lead, "reject"), {"reason": "no_budget"}, format="json")

    assert response.status_code == 403
    assert response.json() == {
        "error": "forbidden",
        "detail": "Only the sales rep assigned to this lead may do this.",
    }
    assert (Lead.objects.filter(pk=lead.pk).values().get(), LeadEvent.objects.count()) == before


# --- POST /leads/{id}/assign/ --------------------------------------------------------------------


def test_a_manager_reassigns_an_open_lead_and_the_decision_deadline_restarts(
    api, manager, rep, other_rep, marketer, rep_segment, clock
):
    lead = factories.mql(marketer, rep, segment=rep_segment)
    clock.advance(hours=5)

    response = api(manager).post(url(lead, "assign"), {"rep": other_rep.pk, "note": "Holiday"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["assigned_rep"]["id"] == other_rep.pk
    lead.refresh_from_db()
    assert lead.assigned_at == clock.now()
    assert body["history"][-1]["transition"] == "reassign"


def test_reassigning_to_someone_who_is_not_a_rep_is_400(api, manager, rep, marketer, rep_segment):
    lead = factories.mql(marketer, rep, segment=rep_segment)

    response = api(manager).post(url(lead, "assign"), {"rep": marketer.pk}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"rep": ["Choose an active sales rep."]}


def test_a_closed_lead_cannot_be_reassigned(api, manager, rep, other_rep, marketer, rep_segment):
    lead = services.lead_close_won(
        lead=factories.sql(marketer, rep, segment=rep_segment), actor=rep, amount=10
    )

    response = api(manager).post(url(lead, "assign"), {"rep": other_rep.pk}, format="json")

    assert response.status_code == 409
    assert response.json()["error"] == "invalid_transition"
    assert response.json()["state"] == "won"


# --- POST /leads/{id}/touches/ ---------------------------------------------------------------------


def test_the_rep_logs_a_touch_that_happened_earlier(api, rep, marketer, rep_segment, clock):
    lead = factories.sal(marketer, rep, segment=rep_segment)
    clock.advance(hours=2)
    when = clock.now() - timedelta(minutes=30)

    response = api(rep).post(
        url(lead, "touches"),
        {"channel": "meeting", "outcome": "meeting_booked", "note": "Demo", "occurred_at": when.isoformat()},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["channel"] == "meeting"
    touch = Touch.objects.get()
    assert (touch.lead, touch.actor, touch.occurred_at) == (lead, rep, when)


def test_a_touch_in_the_future_is_400(api, rep, marketer, rep_segment):
    lead = factories.sal(marketer, rep, segment=rep_segment)
    later = (timezone.now() + timedelta(days=1)).isoformat()

    response = api(rep).post(
        url(lead, "touches"), {"channel": "call", "outcome": "connected", "occurred_at": later}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["occurred_at"]
    assert not Touch.objects.exists()


def test_no_touches_on_a_closed_lead(api, rep, marketer, rep_segment):
    lead = services.lead_close_won(
        lead=factories.sql(marketer, rep, segment=rep_segment), actor=rep, amount=10
    )

    response = api(rep).post(url(lead, "touches"), {"channel": "call", "outcome": "connected"}, format="json")

    assert response.status_code == 409
    assert response.json()["state"] == LeadState.WON


# --- GET /rulebook/ ----------------------------------------------------------------------------------


def test_every_signed_in_user_reads_the_rulebook_in_force(api, outsider, admin_user):
    services.rulebook_version_create(actor=admin_user, change_note="Stricter", mql_min_criteria=5)

    body = api(outsider).get("/api/v1/rulebook/").json()

    assert body["version"] == 2
    assert body["author"] == "admin"
    assert body["rules"]["mql_min_criteria"] == 5
    assert body["rules"]["review_mode"] == "appeals_only"
    assert {rule["name"] for rule in body["rules_explained"]} >= {"decision_hours", "panel_size"}
    other = next(reason for reason in body["reason_codes"] if reason["code"] == "other")
    assert other["requires_note"] is True
    assert len(body["criteria"]) == 10


@pytest.mark.parametrize("body", [{}, {"first_name": "  ", "company": "\u200b"}, {"criteria": []}])
def test_a_lead_with_no_value_at_all_is_refused_as_the_import_refuses_it(api, marketer, body):
    response = api(marketer).post("/api/v1/leads/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["non_field_errors"]
    assert not Lead.objects.exists()


def test_a_lead_with_only_an_external_id_or_only_criteria_is_accepted(api, marketer):
    """Unnamed leads are common in real exports (a form with only a
    source); an id from another system or the criteria met are values."""
    assert api(marketer).post("/api/v1/leads/", {"external_id": "CRM-1"}, format="json").status_code == 201
    assert api(marketer).post("/api/v1/leads/", {"criteria": ["vertical"]}, format="json").status_code == 201
