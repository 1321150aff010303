"""The judges' review queue: open cases, overdue first, then oldest (SPEC §6)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from adjudication import services as court
from adjudication.selectors import review_queue
from leads import services
from leads.models import Campaign
from tests import factories
from tests.adjudication.builders import appeal_case, verdict
from tests.clock import london

pytestmark = pytest.mark.django_db


def test_overdue_cases_come_first_then_the_oldest(clock, rules, marketer, rep, judge, judge2):
    rules(review_days=10)
    oldest = appeal_case(marketer, rep)  # Monday 13, due Friday 24 January
    rules(review_days=1)
    clock.set(london(2025, 1, 14, 9, 0))
    urgent = appeal_case(marketer, rep)  # due Tuesday 14 at 17:00
    decided = appeal_case(marketer, rep)
    verdict(decided, judge2, "uphold")
    rules(review_days=5)
    clock.set(london(2025, 1, 15, 9, 0))
    newest = appeal_case(marketer, rep)  # due Tuesday 21 at 17:00

    clock.set(london(2025, 1, 16, 9, 0))
    queue = list(review_queue(judge=judge))

    assert queue == [urgent, oldest, newest]
    assert [case.is_overdue for case in queue] == [1, 0, 0]

    # Once everything is overdue, the oldest comes first again.
    clock.set(london(2025, 1, 27, 9, 0))
    assert list(review_queue(judge=judge)) == [oldest, urgent, newest]


def test_the_queue_counts_touches_and_distinct_channels_per_case(
    clock, rules, marketer, rep, judge, judge2, judge3
):
    rules(panel_size=3)
    lead = factories.mql(marketer, rep)
    for minute, channel in enumerate(["call", "call", "email", "call"], start=1):
        clock.set(london(2025, 1, 13, 10, minute))
        services.lead_touch_log(lead=lead, actor=rep, channel=channel, outcome="no_answer")
    services.lead_reject(lead=lead, actor=rep, reason="unreachable")
    worked = court.case_open_appeal(lead=lead, actor=marketer, argument="Only calls, no email follow-up.")
    untouched = appeal_case(marketer, rep)
    # Votes join the same query; they must not multiply the touch counts.
    verdict(worked, judge2, "overturn")
    verdict(worked, judge3, "uphold")
    verdict(untouched, judge2, "overturn")

    rows = {case.pk: case for case in review_queue(judge=judge)}

    assert (rows[worked.pk].touch_count, rows[worked.pk].channel_count) == (4, 2)
    assert (rows[untouched.pk].touch_count, rows[untouched.pk].channel_count) == (0, 0)
    assert rows[worked.pk].votes_cast == 2
    assert rows[worked.pk].has_voted is False


def _read_queue_like_a_page(judge) -> int:
    """Evaluate the queue and touch everything the queue page shows."""
    rows = [
        (
            case.lead.display_name,
            case.lead.campaign,
            case.lead.rejection_reason,
            case.rep,
            case.marketer,
            case.touch_count,
            case.channel_count,
            case.votes_cast,
            case.has_voted,
            case.is_overdue,
        )
        for case in review_queue(judge=judge)
    ]
    return len(rows)


def test_the_queue_costs_the_same_few_queries_for_three_cases_as_for_fifteen(
    clock, marketer, rep, judge, django_assert_max_num_queries
):
    campaign = Campaign.objects.create(name="Spring webinar", source="Webinar")

    def add_cases(count):
        for _ in range(count):
            appeal_case(marketer, rep, campaign=campaign)
            clock.advance(minutes=5)

    add_cases(3)
    with CaptureQueriesContext(connection) as three:
        assert _read_queue_like_a_page(judge) == 3
    add_cases(12)
    with CaptureQueriesContext(connection) as fifteen:
        assert _read_queue_like_a_page(judge) == 15

    assert len(three.captured_queries) == len(fifteen.captured_queries)
    # The rulebook in force, then the queue itself.
    with django_assert_max_num_queries(2):
        _read_queue_like_a_page(judge)
