"""The judges' pages cost the same number of queries with 10 rows as with
200: the review queue, and the case page's statements, touches and precedents."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from adjudication.models import Case, CaseKind, CaseStatus, Statement
from leads.models import Lead, LeadState, Touch
from tests.adjudication.builders import appeal_case

pytestmark = pytest.mark.django_db

SNAPSHOT = {
    "reason": "no_budget",
    "reason_label": "No budget",
    "note": "",
    "grade": "B",
    "touches": {"count": 1, "channels": 1, "by_channel": {"call": 1}, "followup_round": 1, "required": 3},
}


def bulk_cases(n: int, *, marketer, rep, status=CaseStatus.OPEN, source="Webinar") -> list[Case]:
    """``n`` appeal cases on leads in review, written in bulk (the pages only read them)."""
    now = timezone.now()
    leads = Lead.objects.bulk_create(
        Lead(
            first_name="Case",
            last_name=f"Lead{i}",
            company=f"Company {i}",
            source=source,
            criteria_mask=0b1111,
            state=LeadState.IN_REVIEW if status == CaseStatus.OPEN else LeadState.RETURNED,
            assigned_rep=rep,
            marketer=marketer,
        )
        for i in range(n)
    )
    Touch.objects.bulk_create(
        Touch(lead=lead, actor=rep, channel="call", outcome="no_answer", occurred_at=now) for lead in leads
    )
    decided = {}
    if status == CaseStatus.DECIDED:
        decided = {
            "decided_at": now,
            "decision": "uphold",
            "finding": "marketing",
            "rationale": "Sales was right.",
        }
    return Case.objects.bulk_create(
        Case(
            kind=CaseKind.APPEAL,
            lead=lead,
            rep=rep,
            marketer=marketer,
            opened_by=marketer,
            opened_at=now - timedelta(days=i % 9),
            due_at=now + timedelta(days=5 - i % 9),
            snapshot=SNAPSHOT,
            reason_code="no_budget",
            status=status,
            **decided,
        )
        for i, lead in enumerate(leads)
    )


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_review_queue_costs_the_same_for_10_and_200_cases(client, judge, marketer, rep):
    client.force_login(judge)
    bulk_cases(10, marketer=marketer, rep=rep)
    with_10 = queries_for(client, reverse("review-queue"))
    bulk_cases(190, marketer=marketer, rep=rep)
    with_200 = queries_for(client, reverse("review-queue"))

    assert with_10 == with_200, (with_10, with_200)


def test_case_page_costs_the_same_for_10_and_200_statements_touches_and_precedents(
    client, judge, marketer, rep
):
    case = appeal_case(marketer, rep, reason="no_budget", source="Webinar")
    client.force_login(judge)
    now = timezone.now()

    def add(n):
        Statement.objects.bulk_create(
            Statement(case=case, author=marketer if i % 2 else rep, text=f"Point {i}", created_at=now)
            for i in range(n)
        )
        Touch.objects.bulk_create(
            Touch(lead=case.lead, actor=rep, channel="email", outcome="replied", occurred_at=now)
            for _ in range(n)
        )
        bulk_cases(n, marketer=marketer, rep=rep, status=CaseStatus.DECIDED)  # precedents

    add(9)  # plus the appeal's own argument: 10 statements
    with_10 = queries_for(client, reverse("case-detail", args=[case.pk]))
    add(190)
    with_200 = queries_for(client, reverse("case-detail", args=[case.pk]))

    assert with_10 == with_200, (with_10, with_200)
