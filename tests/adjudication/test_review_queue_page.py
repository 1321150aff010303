"""The review queue page chooses its cases from an index — the overdue range,
then the others, each oldest first — and must list exactly what the queue's
definition (``review_queue``: overdue first, then oldest) lists, page by
page, recusals included; its count stops at ``COUNT_CAP``."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from adjudication.models import Case, Statement
from adjudication.selectors import cases_list, cases_list_page, review_queue, review_queue_page
from leads import pagination
from leads.models import Lead
from tests.adjudication.test_page_queries import bulk_cases

pytestmark = pytest.mark.django_db


def queue_row(case) -> tuple:
    return (case.pk, case.is_overdue, case.touch_count, case.channel_count, case.votes_cast, case.has_voted)


def paged(judge, size: int) -> list[list]:
    pages, number = [], 1
    while True:
        page = review_queue_page(judge=judge, number=number, size=size)
        pages.append([queue_row(case) for case in page])
        if not page.has_next:
            return pages
        number += 1


@pytest.mark.parametrize("size", [1, 3, 7, 25])
def test_the_pages_list_the_queue_in_its_order(judge, marketer, rep, other_rep, size):
    # Opened 0–8 days ago, due 5 days after: a third overdue, in every position of the order.
    bulk_cases(20, marketer=marketer, rep=rep)
    # Cases the judge may not decide: a party then, a party now (the lead's rep), a statement's author.
    party = bulk_cases(1, marketer=marketer, rep=judge)[0]
    reassigned = bulk_cases(1, marketer=marketer, rep=other_rep)[0]
    Lead.objects.filter(pk=reassigned.lead_id).update(assigned_rep=judge)
    spoke = bulk_cases(1, marketer=marketer, rep=rep)[0]
    Statement.objects.create(case=spoke, author=judge, text="I know this lead.", created_at=timezone.now())

    expected = [queue_row(case) for case in review_queue(judge=judge)]
    pages = paged(judge, size)

    assert [row for page in pages for row in page] == expected
    assert len(expected) == 20
    assert {party.pk, reassigned.pk, spoke.pk}.isdisjoint(row[0] for row in expected)
    assert 0 < sum(row[1] for row in expected) < 20  # both ranges are exercised
    assert all(len(page) == size for page in pages[:-1])


def test_a_page_past_the_end_shows_the_last_one(judge, marketer, rep):
    bulk_cases(5, marketer=marketer, rep=rep)

    page = review_queue_page(judge=judge, number=9, size=2)

    assert (page.number, len(page), page.count, page.has_next) == (3, 1, 5, False)


def test_the_queue_page_says_more_than_the_cap(client, judge, marketer, rep, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 3)
    bulk_cases(5, marketer=marketer, rep=rep)
    client.force_login(judge)

    content = client.get(reverse("review-queue")).content.decode()

    assert "more than 3 open cases" in content
    assert content.count('<tr class="') == 5


def test_my_cases_pages_list_the_cases_newest_first(client, marketer, rep):
    bulk_cases(7, marketer=marketer, rep=rep)

    pages = [cases_list_page(user=rep, number=n, size=3) for n in (1, 2, 3)]

    expected = [case.pk for case in cases_list(user=rep)]
    assert [case.pk for page in pages for case in page] == expected
    assert [case.touch_count for page in pages for case in page] == [1] * 7
    assert pages[0].count == 7
    assert not Case.objects.exclude(rep=rep).exists()
