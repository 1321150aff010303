"""The marketer's rejected-leads page: the reason, the rep's note, the
appeal window left, and Appeal / Concede in place (HTMX) or as plain forms."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from adjudication.models import Case, Statement
from leads.models import Lead, LeadState, ReasonCode
from tests.adjudication.builders import nothing_written
from tests.factories import LeadFactory, rejected

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
# What the card's forms post beside their fields: the list the card belongs to.
CARD = {"row": "rejected"}


def body(response) -> str:
    return response.content.decode()


def test_page_shows_reason_note_and_working_days_left(client, clock, marketer, rep):
    lead = rejected(marketer, rep, reason="no_budget", first_name="Budget", last_name="Less")
    Lead.objects.filter(pk=lead.pk).update(rejection_note="The CFO froze all spending.")
    # Rejected Monday 09:00 with a 10-working-day window; eight working days later...
    clock.advance(days=10)  # Thursday of the next week, 09:00
    client.force_login(marketer)

    content = body(client.get(reverse("rejected-leads")))

    assert "Budget Less" in content
    assert ReasonCode.objects.get(pk="no_budget").label in content
    assert "The CFO froze all spending." in content
    assert "2 working days left" in content


def test_window_left_counts_plain_days_when_deadlines_ignore_working_hours(
    client, clock, marketer, rep, rules
):
    rules(business_hours_only=False)
    rejected(marketer, rep)
    clock.advance(days=7, hours=12)
    client.force_login(marketer)

    content = body(client.get(reverse("rejected-leads")))

    assert "2 days 12 hours left" in content


def test_an_expired_window_says_so_and_offers_only_concede(client, clock, marketer, rep):
    lead = rejected(marketer, rep)
    clock.set(lead.appeal_due_at + timedelta(minutes=1))
    client.force_login(marketer)

    content = body(client.get(reverse("rejected-leads")))

    assert "Appeal window expired" in content
    assert reverse("lead-appeal", args=[lead.pk]) not in content
    assert reverse("lead-concede", args=[lead.pk]) in content


def test_only_the_marketers_own_rejections_are_listed(client, marketer, other_marketer, rep):
    mine = rejected(marketer, rep, first_name="Mine")
    theirs = rejected(other_marketer, rep, first_name="Theirs")
    client.force_login(marketer)

    content = body(client.get(reverse("rejected-leads")))

    assert str(mine) in content
    assert str(theirs) not in content


@pytest.mark.parametrize("persona", ["rep", "judge", "manager", "outsider"])
def test_other_roles_have_no_rejected_leads_page(client, request, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("rejected-leads")).status_code == 403


def test_appeal_in_place_opens_a_case_and_answers_with_the_card(client, marketer, rep):
    lead = rejected(marketer, rep)
    client.force_login(marketer)

    response = client.post(
        reverse("lead-appeal", args=[lead.pk]),
        {f"lead-{lead.pk}-argument": "They have budget: see the PO.", **CARD},
        **HTMX,
    )

    assert response.status_code == 200
    case = Case.objects.get(lead=lead)
    content = body(response)
    assert content.strip().startswith(f'<section class="card" id="rejected-{lead.pk}"')
    assert f"case #{case.pk} is before the judges" in content
    assert reverse("case-detail", args=[case.pk]) in content
    lead.refresh_from_db()
    assert lead.state == LeadState.IN_REVIEW
    assert lead.events.filter(transition="appeal", actor=marketer).exists()
    assert Statement.objects.get(case=case).text == "They have budget: see the PO."


def test_appeal_without_argument_in_place_shows_the_error_on_the_card(client, marketer, rep):
    lead = rejected(marketer, rep)
    client.force_login(marketer)

    with nothing_written(lead=lead):
        response = client.post(
            reverse("lead-appeal", args=[lead.pk]), {f"lead-{lead.pk}-argument": "  ", **CARD}, **HTMX
        )

    assert response.status_code == 400
    content = body(response)
    assert f'id="rejected-{lead.pk}"' in content
    assert "This field is required." in content


def test_appeal_with_a_10k_character_argument_is_refused(client, marketer, rep):
    lead = rejected(marketer, rep)
    client.force_login(marketer)

    with nothing_written(lead=lead):
        response = client.post(
            reverse("lead-appeal", args=[lead.pk]), {f"lead-{lead.pk}-argument": "a" * 10_001}
        )

    assert response.status_code == 400
    assert "at most 10000 characters" in body(response)


def test_appeal_after_the_window_closed_is_refused_with_the_date(client, clock, marketer, rep):
    lead = rejected(marketer, rep)
    clock.set(lead.appeal_due_at + timedelta(hours=1))
    client.force_login(marketer)

    with nothing_written(lead=lead):
        response = client.post(
            reverse("lead-appeal", args=[lead.pk]), {f"lead-{lead.pk}-argument": "Too late?", **CARD}, **HTMX
        )

    assert response.status_code == 409
    assert "The appeal window closed on" in body(response)


def test_concede_in_place_returns_the_lead_and_offers_to_recycle_it(client, marketer, rep):
    lead = rejected(marketer, rep)
    client.force_login(marketer)

    response = client.post(reverse("lead-concede", args=[lead.pk]), CARD, **HTMX)

    assert response.status_code == 200
    content = body(response)
    assert "Conceded: the lead is back with marketing." in content
    assert reverse("lead-recycle", args=[lead.pk]) in content
    lead.refresh_from_db()
    assert lead.state == LeadState.RETURNED
    assert lead.events.filter(transition="concede", actor=marketer).exists()


def test_another_marketer_cannot_concede_in_place(client, marketer, other_marketer, rep):
    lead = rejected(marketer, rep)
    client.force_login(other_marketer)

    with nothing_written(lead=lead):
        response = client.post(reverse("lead-concede", args=[lead.pk]), CARD, **HTMX)

    assert response.status_code == 403
    # htmx leaves the card alone on a 403; the reason comes as a flash message.
    assert "Only the marketer who owns this lead" in response.headers["HX-Trigger"]


def test_conceding_twice_is_a_conflict(client, marketer, rep):
    lead = rejected(marketer, rep)
    client.force_login(marketer)
    client.post(reverse("lead-concede", args=[lead.pk]), CARD, **HTMX)

    with nothing_written(lead=lead):
        again = client.post(reverse("lead-concede", args=[lead.pk]), CARD, **HTMX)

    assert again.status_code == 409


def test_appeal_and_concede_of_an_unknown_lead_are_404(client, marketer):
    client.force_login(marketer)

    assert client.post(reverse("lead-appeal", args=[999_999]), **HTMX).status_code == 404
    assert client.post(reverse("lead-concede", args=[999_999])).status_code == 404


def _bulk_rejections(marketer, rep, count: int, start: int = 0) -> None:
    reason = ReasonCode.objects.get(pk="no_need")
    now = timezone.now()
    Lead.objects.bulk_create(
        LeadFactory.build(
            email=f"r{start + n}@example.com",
            marketer=marketer,
            assigned_rep=rep,
            state=LeadState.REJECTED,
            rejection_reason=reason,
            rejection_note="Not now.",
            rejected_at=now,
            appeal_due_at=now + timedelta(days=3 + n % 5),
        )
        for n in range(count)
    )


def _queries(client, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("rejected-leads"), params or {})
    assert response.status_code == 200
    return len(captured)


def test_page_costs_the_same_queries_for_10_or_200_rejections(client, marketer, rep):
    _bulk_rejections(marketer, rep, 10)
    client.force_login(marketer)
    _queries(client)

    ten = _queries(client)
    _bulk_rejections(marketer, rep, 190, start=10)
    two_hundred = _queries(client)
    last_page = _queries(client, {"page": "8"})

    assert ten == two_hundred == last_page


@pytest.mark.parametrize("page", ["abc", "-1", "0", "9" * 40, "1e999", ""])
def test_bad_page_numbers_never_crash(client, marketer, rep, page):
    _bulk_rejections(marketer, rep, 30)
    client.force_login(marketer)

    response = client.get(reverse("rejected-leads"), {"page": page})

    assert response.status_code == 200
    assert "Page " in body(response)
