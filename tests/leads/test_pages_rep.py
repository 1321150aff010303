"""The rep's pages through the Django test client: the inbox (accept, reject,
log a touch) and "my accepted leads" (touches, opportunity, close, return),
each action both as a plain POST (redirect) and as an HTMX request (the row)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from leads import services
from leads.models import Lead, LeadEvent, LeadState, Touch
from leads.views import rep as views
from tests.factories import SEVEN_CRITERIA, inquiry, mql, sal, sql

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def snapshot(lead: Lead) -> dict:
    """Everything an action could change about a lead."""
    return {
        "row": Lead.objects.filter(pk=lead.pk).values().get(),
        "events": LeadEvent.objects.filter(lead=lead).count(),
        "touches": Touch.objects.filter(lead=lead).count(),
    }


def hx_messages(response) -> list[str]:
    return [m["text"] for m in json.loads(response["HX-Trigger"])["leadcourt:messages"]]


@pytest.fixture
def rep_client(client, rep):
    client.force_login(rep)
    return client


# --- the inbox ---------------------------------------------------------------------------


def test_inbox_lists_my_undecided_leads_nearest_deadline_first_with_time_left(
    client, clock, marketer, rep, other_rep, rep_segment
):
    from leads.models import Segment

    theirs = Segment.objects.create(code="apac", name="APAC", owner_rep=other_rep)
    earlier = mql(marketer, rep, first_name="Early", last_name="Delivery", segment=rep_segment)
    clock.advance(hours=3)
    later = mql(
        marketer, rep, first_name="Late", last_name="Delivery", segment=rep_segment, criteria=SEVEN_CRITERIA
    )
    accepted = sal(marketer, rep, first_name="Already", last_name="Accepted", segment=rep_segment)
    not_mine = mql(marketer, other_rep, first_name="Someone", last_name="Else", segment=theirs)
    client.force_login(rep)

    content = client.get(reverse("rep-inbox")).content.decode()

    assert content.index(str(earlier)) < content.index(str(later))
    assert "<span data-count>2</span> awaiting your decision" in content
    assert " left" in content
    assert "Grade A" in content and "7/10 criteria" in content
    assert str(accepted) not in content
    assert str(not_mine) not in content


def test_inbox_shows_overdue_leads_clearly_and_marks_probable_duplicates(rep_client, clock, marketer, rep):
    inquiry(marketer, email="ada@example.com")
    duplicate = mql(marketer, rep, email="ADA@example.com")
    clock.set(duplicate.decision_due_at + timedelta(hours=2, minutes=5))

    content = rep_client.get(reverse("rep-inbox")).content.decode()

    # Durations use no-break spaces so that they never wrap mid-value.
    assert "overdue by 2\u00a0h\u00a05\u00a0min" in content
    assert "due-overdue" in content
    assert "Probable duplicate" in content


def test_inbox_is_paginated(rep_client, marketer, rep, monkeypatch):
    monkeypatch.setattr(views, "INBOX_PAGE_SIZE", 2)
    for number in range(3):
        mql(marketer, rep, first_name="Lead", last_name=f"Number{number}")

    first = rep_client.get(reverse("rep-inbox")).content.decode()
    second = rep_client.get(reverse("rep-inbox"), {"page": 2}).content.decode()

    assert "Page 1 of 2" in first
    assert "Number2" not in first and "Number2" in second


def test_the_inbox_is_for_reps(client, manager):
    client.force_login(manager)

    assert client.get(reverse("rep-inbox")).status_code == 404
    assert client.get(reverse("rep-worked")).status_code == 404


def test_accept_without_javascript_redirects_back_with_a_message(rep_client, marketer, rep):
    lead = mql(marketer, rep)

    response = rep_client.post(reverse("lead-accept", args=[lead.pk]), {"next": reverse("rep-inbox")})

    assert response.status_code == 302
    assert response.url == reverse("rep-inbox")
    lead.refresh_from_db()
    assert lead.state == LeadState.SAL
    assert f"Accepted {lead}" in rep_client.get(response.url).content.decode()


def test_accept_with_htmx_removes_the_row_and_sends_the_message_in_a_header(rep_client, marketer, rep):
    lead = mql(marketer, rep)

    response = rep_client.post(reverse("lead-accept", args=[lead.pk]), {"row": "inbox"}, **HX)

    assert response.status_code == 200
    assert response.content == b""  # the row leaves the inbox
    assert hx_messages(response) == [hx_messages(response)[0]]
    assert hx_messages(response)[0].startswith(f"Accepted {lead}.")
    lead.refresh_from_db()
    assert lead.state == LeadState.SAL
    # The message was delivered with the answer, not left for the next page.
    assert f"Accepted {lead}" not in rep_client.get(reverse("rep-inbox")).content.decode()


def test_reject_without_a_reason_shows_the_error_on_the_row_and_changes_nothing(rep_client, marketer, rep):
    lead = mql(marketer, rep)
    before = snapshot(lead)

    response = rep_client.post(
        reverse("lead-reject", args=[lead.pk]), {"row": "inbox", "reason": "", "note": ""}, **HX
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert body.lstrip().startswith(f'<li class="item" id="lead-{lead.pk}"') or f'id="lead-{lead.pk}"' in body
    error_id = f"id_reject_{lead.pk}_reason_error"
    assert f'aria-describedby="{error_id}"' in body
    assert f'<p class="error" id="{error_id}">This field is required.</p>' in body
    assert '<details class="action" open>' in body  # the reject form stays open
    assert snapshot(lead) == before


def test_a_reason_that_needs_a_note_is_refused_without_one_next_to_the_note(rep_client, marketer, rep):
    lead = mql(marketer, rep)
    before = snapshot(lead)

    response = rep_client.post(reverse("lead-reject", args=[lead.pk]), {"reason": "other", "note": "  "})

    assert response.status_code == 400
    form = next(a["form"] for a in response.context["action_forms"] if a["name"] == "reject")
    assert "note" in form.errors
    body = response.content.decode()
    assert f'id="id_reject_{lead.pk}_note_error"' in body
    assert "A note is required" in body
    assert snapshot(lead) == before


def test_reject_with_reason_and_note_rejects_and_opens_the_appeal_window(rep_client, marketer, rep):
    lead = mql(marketer, rep)

    response = rep_client.post(
        reverse("lead-reject", args=[lead.pk]),
        {"reason": "other", "note": "A competitor's employee researching us.", "next": reverse("rep-inbox")},
    )

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.state == LeadState.REJECTED
    assert lead.rejection_reason_id == "other"
    assert lead.rejection_note == "A competitor's employee researching us."
    assert lead.appeal_due_at is not None


def test_log_touch_with_htmx_updates_the_row_in_place(rep_client, marketer, rep):
    lead = mql(marketer, rep)

    response = rep_client.post(
        reverse("lead-touch", args=[lead.pk]),
        {"row": "inbox", "channel": "call", "outcome": "no_answer", "note": "Voicemail"},
        **HX,
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="lead-{lead.pk}"' in body
    assert '<span class="fact-label">Touches</span><span>1</span>' in body
    assert hx_messages(response) == [f"Touch logged on {lead}: Call, no answer."]
    assert Touch.objects.get(lead=lead).note == "Voicemail"


def test_a_touch_in_the_future_is_refused_next_to_its_date(rep_client, marketer, rep):
    lead = mql(marketer, rep)
    before = snapshot(lead)
    tomorrow = timezone.localtime() + timedelta(days=1)

    response = rep_client.post(
        reverse("lead-touch", args=[lead.pk]),
        {
            "row": "inbox",
            "channel": "call",
            "outcome": "connected",
            "occurred_at": tomorrow.strftime("%Y-%m-%dT%H:%M"),
        },
        **HX,
    )

    assert response.status_code == 400
    assert f'id="id_touch_{lead.pk}_occurred_at_error"' in response.content.decode()
    assert "cannot be in the future" in response.content.decode()
    assert snapshot(lead) == before


def test_a_rep_cannot_act_on_another_reps_lead(client, marketer, rep, other_rep):
    lead = mql(marketer, rep)
    before = snapshot(lead)
    client.force_login(other_rep)

    for name in ("lead-accept", "lead-reject", "lead-touch"):
        response = client.post(reverse(name, args=[lead.pk]), {"reason": "no_budget", "channel": "call"})
        assert response.status_code == 404
    assert snapshot(lead) == before


def test_acting_on_a_lead_someone_already_decided_is_a_clear_conflict(rep_client, marketer, rep):
    lead = mql(marketer, rep)
    services.lead_accept(lead=lead, actor=rep)  # e.g. in another tab

    response = rep_client.post(
        reverse("lead-reject", args=[lead.pk]), {"row": "inbox", "reason": "no_budget"}, **HX
    )

    assert response.status_code == 409
    assert response.content == b""  # no longer in the inbox: the row goes…
    assert "is not possible while the lead is 'SAL'" in hx_messages(response)[0]  # …and says why
    lead.refresh_from_db()
    assert lead.state == LeadState.SAL


def test_accept_refused_without_javascript_renders_the_lead_page_with_the_reason(rep_client, marketer, rep):
    lead = sal(marketer, rep)

    response = rep_client.post(reverse("lead-accept", args=[lead.pk]))

    assert response.status_code == 409
    assert "is not possible while the lead is" in response.content.decode()


def test_next_never_leaves_the_site(rep_client, marketer, rep):
    lead = mql(marketer, rep)

    response = rep_client.post(reverse("lead-accept", args=[lead.pk]), {"next": "https://evil.example/"})

    assert response.url == reverse("lead-detail", args=[lead.pk])


def test_csrf_protection_stays_on(marketer, rep):
    from django.test import Client

    lead = mql(marketer, rep)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(rep)

    assert strict.post(reverse("lead-accept", args=[lead.pk]), **HX).status_code == 403
    lead.refresh_from_db()
    assert lead.state == LeadState.MQL


# --- my accepted leads ------------------------------------------------------------------


def test_accepted_leads_show_touches_done_of_required_and_the_follow_up_deadline(rep_client, marketer, rep):
    lead = sal(marketer, rep, first_name="Being", last_name="Worked")
    services.lead_touch_log(lead=lead, actor=rep, channel="call", outcome="connected")
    opportunity = sql(marketer, rep, first_name="Big", last_name="Deal")

    content = rep_client.get(reverse("rep-worked")).content.decode()

    assert "1 of 3" in content  # grade B needs 3 touches
    assert "Follow-up due" in content
    assert content.index(str(lead)) < content.index(str(opportunity))
    assert reverse("lead-close-won", args=[opportunity.pk]) in content
    assert reverse("lead-qualify-opportunity", args=[lead.pk]) in content


def test_qualify_as_opportunity_with_htmx_turns_the_row_into_an_opportunity(rep_client, marketer, rep):
    lead = sal(marketer, rep)

    response = rep_client.post(reverse("lead-qualify-opportunity", args=[lead.pk]), {"row": "worked"}, **HX)

    assert response.status_code == 200
    body = response.content.decode()
    assert "Opportunity" in body
    assert reverse("lead-close-won", args=[lead.pk]) in body
    lead.refresh_from_db()
    assert lead.state == LeadState.SQL


@pytest.mark.parametrize("amount", ["-5", "0", "abc", "NaN", "1e400", "0.001", "9" * 40])
def test_close_won_with_a_bad_amount_is_refused_next_to_the_amount(rep_client, marketer, rep, amount):
    lead = sql(marketer, rep)
    before = snapshot(lead)

    response = rep_client.post(
        reverse("lead-close-won", args=[lead.pk]), {"row": "worked", "amount": amount}, **HX
    )

    assert response.status_code == 400
    assert f'id="id_close_won_{lead.pk}_amount_error"' in response.content.decode()
    assert snapshot(lead) == before


def test_close_won_closes_the_deal_and_the_row_leaves(rep_client, marketer, rep):
    lead = sql(marketer, rep)

    response = rep_client.post(
        reverse("lead-close-won", args=[lead.pk]), {"row": "worked", "amount": "12500.50"}, **HX
    )

    assert response.status_code == 200
    assert response.content == b""
    assert "12,500.50" in hx_messages(response)[0]
    lead.refresh_from_db()
    assert lead.state == LeadState.WON


def test_close_lost_needs_a_reason(rep_client, marketer, rep):
    lead = sql(marketer, rep)
    before = snapshot(lead)

    refused = rep_client.post(reverse("lead-close-lost", args=[lead.pk]), {"reason": ""})
    assert refused.status_code == 400
    assert snapshot(lead) == before

    done = rep_client.post(reverse("lead-close-lost", args=[lead.pk]), {"reason": "competitor_won"})
    assert done.status_code == 302
    lead.refresh_from_db()
    assert lead.state == LeadState.LOST


def test_return_after_follow_up_needs_the_required_touches(rep_client, marketer, rep):
    lead = sal(marketer, rep)
    before = snapshot(lead)

    refused = rep_client.post(
        reverse("lead-return", args=[lead.pk]), {"row": "worked", "reason": "no_need"}, **HX
    )

    assert refused.status_code == 409
    assert "needs 3 follow-up touches" in refused.content.decode()
    assert snapshot(lead) == before

    for channel in ("call", "email", "sms"):
        services.lead_touch_log(lead=lead, actor=rep, channel=channel, outcome="no_answer")
    done = rep_client.post(
        reverse("lead-return", args=[lead.pk]), {"row": "worked", "reason": "no_need"}, **HX
    )

    assert done.status_code == 200
    assert done.content == b""
    lead.refresh_from_db()
    assert lead.state == LeadState.REJECTED


# --- the lead page's actions ----------------------------------------------------------------


def test_the_lead_page_offers_the_viewers_actions_only(client, marketer, rep, judge, manager):
    lead = mql(marketer, rep)

    client.force_login(rep)
    as_rep = client.get(reverse("lead-detail", args=[lead.pk])).content.decode()
    client.force_login(manager)
    as_manager = client.get(reverse("lead-detail", args=[lead.pk])).content.decode()

    assert reverse("lead-accept", args=[lead.pk]) in as_rep
    assert reverse("lead-reject", args=[lead.pk]) in as_rep
    assert reverse("lead-reassign", args=[lead.pk]) not in as_rep
    assert reverse("lead-reassign", args=[lead.pk]) in as_manager
    assert reverse("lead-accept", args=[lead.pk]) not in as_manager


def test_the_lead_page_form_redisplays_its_errors_without_javascript(rep_client, marketer, rep):
    lead = sql(marketer, rep)

    response = rep_client.post(reverse("lead-close-won", args=[lead.pk]), {"amount": "-1"})

    assert response.status_code == 400
    body = response.content.decode()
    assert 'aria-invalid="true"' in body
    assert "greater than zero" in body
