"""Lists that pay for the page, not the table (issue 11): counts stop at
``COUNT_CAP`` and say "more than", the state tabs too; per-row counts are
computed for the page's rows only; every list costs the same queries for 10
rows as for 200; keyset pages stay exact at depth and across equal
timestamps."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from leads import pagination, selectors
from leads.models import Lead, LeadState, Touch
from leads.pagination import count_capped, counts_capped, keyset_page, offset_page
from leads.views import manager as manager_views
from leads.views import marketing as marketing_views
from leads.views import rep as rep_views
from tests.factories import mql
from tests.leads.test_page_queries import queries_for

pytestmark = pytest.mark.django_db


def bulk_leads(n: int, *, state=LeadState.INQUIRY, rep=None, marketer=None, created_at=None, **extra):
    """``n`` leads straight into ``state`` (bulk, no history: the lists only read them)."""
    now = timezone.now()
    worked = state in (LeadState.SAL, LeadState.SQL)
    return Lead.objects.bulk_create(
        Lead(
            first_name="Bulk",
            last_name=f"Lead{i}",
            email=f"bulk{i}@example.com",
            company=f"Company {i}",
            criteria_mask=0b1111,
            state=state,
            assigned_rep=rep,
            marketer=marketer,
            created_at=created_at or now - timedelta(minutes=i),
            delivered_at=now if rep else None,
            assigned_at=now if rep else None,
            decision_due_at=now + timedelta(hours=i) if state == LeadState.MQL else None,
            accepted_at=now if worked else None,
            followup_started_at=now if worked else None,
            followup_due_at=now + timedelta(days=3) if state == LeadState.SAL else None,
            appeal_due_at=now + timedelta(days=2) if state == LeadState.REJECTED else None,
            rejection_reason_id="no_budget" if state == LeadState.REJECTED else None,
            **extra,
        )
        for i in range(n)
    )


@pytest.fixture
def cap_of_3(monkeypatch):
    """Lists count up to 3 (instead of 10,000), so a handful of rows goes past the cap."""
    monkeypatch.setattr(pagination, "COUNT_CAP", 3)


# --- capped counts ----------------------------------------------------------------------


def test_a_capped_count_is_exact_up_to_the_cap_and_says_when_there_are_more(marketer):
    bulk_leads(5, marketer=marketer)
    leads = Lead.objects.all()

    assert count_capped(leads, cap=5) == (5, False)
    assert count_capped(leads, cap=6) == (5, False)
    assert count_capped(leads, cap=4) == (4, True)
    assert count_capped(leads.none(), cap=4) == (0, False)


def test_several_capped_counts_are_one_query(marketer, django_assert_num_queries):
    bulk_leads(5, marketer=marketer)
    bulk_leads(2, state=LeadState.DISQUALIFIED, marketer=marketer)

    with django_assert_num_queries(1):
        counts = counts_capped(
            {
                "inquiry": Lead.objects.filter(state=LeadState.INQUIRY),
                "disqualified": Lead.objects.filter(state=LeadState.DISQUALIFIED),
                "won": Lead.objects.filter(state=LeadState.WON),
                "nobody's": Lead.objects.filter(pk__in=[]),
            },
            cap=3,
        )

    assert counts == {
        "inquiry": (3, True),
        "disqualified": (2, False),
        "won": (0, False),
        "nobody's": (0, False),
    }


def test_an_offset_page_past_a_capped_count_reads_on_until_the_rows_end(marketer, cap_of_3):
    leads = bulk_leads(7, marketer=marketer)  # newest first: leads[0], leads[1], ...
    newest_first = Lead.objects.order_by("-created_at", "-pk")

    pages = [offset_page(newest_first, number=n, size=2) for n in (1, 2, 3, 4, 5)]

    assert [[lead.pk for lead in page] for page in pages] == [
        [leads[0].pk, leads[1].pk],
        [leads[2].pk, leads[3].pk],
        [leads[4].pk, leads[5].pk],
        [leads[6].pk],
        [],
    ]
    assert all(page.count == 3 and page.count_is_capped and page.num_pages is None for page in pages)
    assert [page.has_next for page in pages] == [True, True, True, False, False]
    assert (pages[2].start_index, pages[2].end_index) == (5, 6)


def test_an_offset_page_past_an_exact_count_shows_the_last_page(marketer):
    bulk_leads(5, marketer=marketer)

    page = offset_page(Lead.objects.order_by("-created_at", "-pk"), number="99", size=2)

    assert (page.number, len(page), page.num_pages, page.count_is_capped) == (3, 1, 3, False)
    assert offset_page(Lead.objects.order_by("pk"), number="nonsense", size=2).number == 1


def test_my_leads_tabs_and_pages_say_more_than_the_cap(client, marketer, cap_of_3, monkeypatch):
    monkeypatch.setattr(marketing_views, "LEADS_PER_PAGE", 2)
    bulk_leads(5, marketer=marketer)
    bulk_leads(2, state=LeadState.DISQUALIFIED, marketer=marketer)
    client.force_login(marketer)

    first = client.get(reverse("marketer-leads")).content.decode()
    third = client.get(reverse("marketer-leads"), {"page": 3}).content.decode()

    assert 'All <span class="badge" title="More than 3">3+</span>' in first
    assert 'Inquiry <span class="badge" title="More than 3">3+</span>' in first
    assert 'Disqualified <span class="badge">2</span>' in first
    assert "1–2 of more than 3" in first
    assert 'rel="next"' in first
    # Past the cap the pages go on while there are rows.
    assert "5–6 of more than 3" in third
    assert 'rel="next"' in third


def test_my_leads_state_tab_counts_exactly_below_the_cap(client, marketer, monkeypatch):
    monkeypatch.setattr(marketing_views, "LEADS_PER_PAGE", 2)
    bulk_leads(5, marketer=marketer)
    client.force_login(marketer)

    content = client.get(reverse("marketer-leads"), {"state": "inquiry", "page": 3}).content.decode()

    assert 'Inquiry <span class="badge">5</span>' in content
    assert "Page 3 of 3" in content
    assert content.count('class="item"') == 1


def test_a_search_on_my_leads_counts_its_matches_by_state_in_one_pass(client, marketer, monkeypatch):
    monkeypatch.setattr(marketing_views, "LEADS_PER_PAGE", 2)
    bulk_leads(5, marketer=marketer)
    bulk_leads(2, state=LeadState.DISQUALIFIED, marketer=marketer)
    client.force_login(marketer)

    with CaptureQueriesContext(connection) as captured:
        exact = client.get(reverse("marketer-leads"), {"q": "bulk"}).content.decode()
    grouped_counts = [q["sql"] for q in captured.captured_queries if "GROUP BY" in q["sql"]]
    # A search has a cap of its own, lower than the lists' (COUNT_CAP).
    monkeypatch.setattr(pagination, "SEARCH_COUNT_CAP", 3)
    capped = client.get(reverse("marketer-leads"), {"q": "bulk"}).content.decode()
    one_state = client.get(reverse("marketer-leads"), {"q": "bulk", "state": "inquiry"}).content.decode()

    # The search is read once for all the tabs.
    assert len(grouped_counts) == 1
    assert 'Inquiry <span class="badge">5</span>' in exact
    assert 'Disqualified <span class="badge">2</span>' in exact
    # Past the cap: the first matches counted by state, each "at least".
    assert 'All <span class="badge" title="More than 3">3+</span>' in capped
    assert 'title="At least ' in capped
    # A state tab's pages still count that state up to the cap.
    assert "1–2 of more than 3" in one_state


def test_the_inbox_says_more_than_the_cap(client, marketer, rep, cap_of_3):
    bulk_leads(5, state=LeadState.MQL, rep=rep, marketer=marketer)
    client.force_login(rep)

    content = client.get(reverse("rep-inbox")).content.decode()

    assert "more than 3 awaiting your decision" in content
    assert content.count('<li class="item') == 5


# --- per-row counts for the page's rows only --------------------------------------------


def test_the_inbox_counts_touches_of_the_page_rows_only(client, marketer, rep, monkeypatch):
    monkeypatch.setattr(rep_views, "INBOX_PAGE_SIZE", 2)
    leads = bulk_leads(3, state=LeadState.MQL, rep=rep, marketer=marketer)
    now = timezone.now()
    Touch.objects.bulk_create(
        Touch(lead=lead, actor=rep, channel="call", outcome="no_answer", occurred_at=now)
        for lead, touches in zip(leads, (1, 2, 3), strict=True)
        for _ in range(touches)
    )
    client.force_login(rep)

    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("rep-inbox"))

    rows = [row["lead"] for row in response.context["rows"]]
    assert [(lead.pk, lead.touch_count) for lead in rows] == [(leads[0].pk, 1), (leads[1].pk, 2)]
    # The touches are joined in the query that reads the page's rows by id, not in the one choosing them.
    touch_queries = [q["sql"] for q in captured.captured_queries if "leads_touch" in q["sql"]]
    assert len(touch_queries) == 1
    assert str(leads[0].pk) in touch_queries[0] and "LIMIT" not in touch_queries[0].upper()


# --- a constant number of queries --------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "state", "who"),
    [
        ("/marketing/leads/", LeadState.INQUIRY, "marketer"),
        ("/marketing/leads/?state=inquiry&q=bulk", LeadState.INQUIRY, "marketer"),
        ("/marketing/leads/?scope=all&grade=B", LeadState.INQUIRY, "marketer"),
        ("/leads/rejected/", LeadState.REJECTED, "marketer"),
        ("/leads/?q=company", LeadState.MQL, "manager"),
        ("/inbox/?page=2", LeadState.MQL, "rep"),
    ],
)
def test_more_list_pages_cost_the_same_queries_for_10_and_200_rows(
    client, request, marketer, rep, url, state, who
):
    client.force_login(request.getfixturevalue(who))
    bulk_leads(10 if "page=2" not in url else 30, state=state, rep=rep, marketer=marketer)
    with_10 = queries_for(client, url)

    bulk_leads(190, state=state, rep=rep, marketer=marketer)
    with_200 = queries_for(client, url)

    assert with_10 == with_200, (with_10, with_200)


# --- keyset pages ------------------------------------------------------------------------


def test_keyset_pages_are_exact_at_depth_and_across_equal_timestamps(marketer):
    moment = timezone.now().replace(microsecond=0)
    # 60 leads: blocks of 7 share a timestamp, so page edges fall inside ties.
    for block in range(9):
        bulk_leads(7 if block < 8 else 4, marketer=marketer, created_at=moment - timedelta(minutes=block))
    expected = list(Lead.objects.order_by("-created_at", "-pk").values_list("pk", flat=True))
    assert len(expected) == 60

    seen, after, pages = [], None, []
    while True:
        page = keyset_page(Lead.objects.all(), after=after, before=None, size=8)
        pages.append(page)
        seen += [lead.pk for lead in page.rows]
        if not page.has_older:
            break
        after = page.older_cursor

    assert seen == expected
    assert len(pages) == 8
    # And back up from the deepest page, one page at a time, to the newest.
    back, before = [], pages[-1].newer_cursor
    while before:
        page = keyset_page(Lead.objects.all(), after=None, before=before, size=8)
        back = [lead.pk for lead in page.rows] + back
        before = page.newer_cursor if page.has_newer else None
    assert back + [lead.pk for lead in pages[-1].rows] == expected


def test_a_deep_all_leads_page_reads_as_few_queries_as_the_first(client, manager, marketer, monkeypatch):
    monkeypatch.setattr(manager_views, "LEAD_LIST_PAGE_SIZE", 5)
    bulk_leads(40, marketer=marketer)
    client.force_login(manager)
    first = client.get(reverse("lead-list"))
    cursor = first.context["keyset"].older_cursor
    for _ in range(5):
        cursor = client.get(reverse("lead-list"), {"after": cursor}).context["keyset"].older_cursor

    with CaptureQueriesContext(connection) as deep:
        response = client.get(reverse("lead-list"), {"after": cursor})
    deep_queries = len(deep)  # now: the next request empties the connection's log

    assert [str(row["lead"]) for row in response.context["rows"]] == [f"Bulk Lead{i}" for i in range(30, 35)]
    with CaptureQueriesContext(connection) as shallow:
        client.get(reverse("lead-list"))
    assert deep_queries == len(shallow)


# --- the rows' blank forms -----------------------------------------------------------------


def test_visibility_needs_no_distinct_for_judges(judge, marketer, rep):
    from tests.adjudication.builders import appeal_case

    case = appeal_case(marketer, rep)
    mql(marketer, rep)  # not before the judges

    visible = selectors.leads_visible_to(judge)

    assert list(visible) == [case.lead]
    assert not visible.query.distinct
