"""List pages cost the same number of queries with 10 rows as with 200: no
query per row (inbox, accepted leads, all leads, the lead page's timeline and
touches)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from leads.models import Lead, LeadEvent, LeadState, Touch
from leads.selectors import rulebook_current
from tests.factories import FOUR_CRITERIA, mql

pytestmark = pytest.mark.django_db


def bulk_leads(n: int, *, state: str, rep, marketer, **extra) -> list[Lead]:
    """``n`` leads straight into ``state`` (bulk, no history): the pages only
    read them, and 200 leads through the services would be slow."""
    now = timezone.now()
    leads = [
        Lead(
            first_name="Bulk",
            last_name=f"Lead{i}",
            email=f"bulk{i}@example.com",
            company=f"Company {i}",
            criteria_mask=0b1111,
            state=state,
            assigned_rep=rep,
            marketer=marketer,
            delivered_at=now,
            assigned_at=now,
            decision_due_at=now + timedelta(hours=i) if state == LeadState.MQL else None,
            accepted_at=now if state in (LeadState.SAL, LeadState.SQL) else None,
            followup_started_at=now if state in (LeadState.SAL, LeadState.SQL) else None,
            followup_due_at=now + timedelta(days=3) if state == LeadState.SAL else None,
            **extra,
        )
        for i in range(n)
    ]
    created = Lead.objects.bulk_create(leads)
    # Touches on every lead, so the per-row counts have something to count.
    Touch.objects.bulk_create(
        Touch(lead=lead, actor=rep, channel="call", outcome="no_answer", occurred_at=now) for lead in created
    )
    return created


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("url_name", "state", "who"),
    [
        ("rep-inbox", LeadState.MQL, "rep"),
        ("rep-worked", LeadState.SAL, "rep"),
        ("rep-worked", LeadState.SQL, "rep"),
        ("lead-list", LeadState.MQL, "manager"),
        ("lead-list", LeadState.SQL, "manager"),
    ],
)
def test_list_pages_cost_the_same_queries_for_10_and_200_rows(
    client, request, marketer, rep, url_name, state, who
):
    user = request.getfixturevalue(who)
    client.force_login(user)
    bulk_leads(10, state=state, rep=rep, marketer=marketer)
    with_10 = queries_for(client, reverse(url_name))

    bulk_leads(190, state=state, rep=rep, marketer=marketer)
    with_200 = queries_for(client, reverse(url_name))

    assert with_10 == with_200, (with_10, with_200)
    assert with_200 <= 14


def test_the_lead_page_timeline_and_touches_cost_the_same_for_10_and_200_entries(
    client, marketer, rep, other_rep
):
    lead = mql(marketer, rep, criteria=FOUR_CRITERIA)
    client.force_login(rep)
    rulebook = rulebook_current()
    now = timezone.now()

    def add(n):
        # Reassignment rows name users in their data: resolved in one query, not per row.
        LeadEvent.objects.bulk_create(
            LeadEvent(
                lead=lead,
                transition="reassign",
                from_state=LeadState.MQL,
                to_state=LeadState.MQL,
                actor=marketer,
                occurred_at=now,
                rulebook_version=rulebook,
                data={"from_rep": rep.pk, "to_rep": other_rep.pk},
            )
            for _ in range(n)
        )
        Touch.objects.bulk_create(
            Touch(lead=lead, actor=rep, channel="email", outcome="replied", occurred_at=now) for _ in range(n)
        )

    add(8)  # plus create and qualify: 10 events
    with_10 = queries_for(client, reverse("lead-detail", args=[lead.pk]))
    add(190)
    with_200 = queries_for(client, reverse("lead-detail", args=[lead.pk]))

    assert with_10 == with_200, (with_10, with_200)
