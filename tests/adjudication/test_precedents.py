"""Precedents: earlier verdicts on cases with the same reason code and the
same source or campaign, newest first, so that rulings stay consistent (SPEC §6)."""

from __future__ import annotations

import pytest

from adjudication.selectors import case_precedents
from leads.models import Campaign
from tests.adjudication.builders import appeal_case, ignored_case, verdict

pytestmark = pytest.mark.django_db


@pytest.fixture
def decide(clock, judge):
    """Decide a case one hour after the previous decision."""

    def decide_case(case, decision="uphold"):
        clock.advance(hours=1)
        verdict(case, judge, decision)
        case.refresh_from_db()
        return case

    return decide_case


@pytest.fixture
def campaigns(db):
    return (
        Campaign.objects.create(name="Spring webinar", source="Webinar"),
        Campaign.objects.create(name="Trade fair", source="Events"),
    )


def test_precedents_share_the_reason_code_and_the_source_or_the_campaign_newest_first(
    clock, marketer, rep, decide, campaigns
):
    spring, fair = campaigns
    case = appeal_case(marketer, rep, reason="no_budget", source="Webinar", campaign=spring)
    same_source = decide(appeal_case(marketer, rep, reason="no_budget", source="Webinar"))
    same_campaign = decide(appeal_case(marketer, rep, reason="no_budget", source="Referral", campaign=spring))
    both = decide(
        appeal_case(marketer, rep, reason="no_budget", source="Webinar", campaign=spring), "overturn"
    )
    # Not precedents: another reason; same reason from elsewhere; not decided yet.
    decide(appeal_case(marketer, rep, reason="not_icp", source="Webinar", campaign=spring))
    decide(appeal_case(marketer, rep, reason="no_budget", source="Referral", campaign=fair))
    decide(appeal_case(marketer, rep, reason="no_budget", source="Referral"))
    appeal_case(marketer, rep, reason="no_budget", source="Webinar", campaign=spring)

    precedents = list(case_precedents(case=case))

    assert precedents == [both, same_campaign, same_source]
    assert [p.decision for p in precedents] == ["overturn", "uphold", "uphold"]


def test_a_case_is_not_its_own_precedent_once_decided(clock, marketer, rep, decide):
    earlier = decide(appeal_case(marketer, rep, reason="no_budget", source="Webinar"))
    case = decide(appeal_case(marketer, rep, reason="no_budget", source="Webinar"))

    assert list(case_precedents(case=case)) == [earlier]


def test_precedents_are_newest_first_by_decision_not_by_opening(clock, marketer, rep, decide):
    opened_first = appeal_case(marketer, rep, source="Webinar")
    clock.advance(minutes=5)
    opened_second = appeal_case(marketer, rep, source="Webinar")
    decide(opened_second)
    decide(opened_first)
    case = appeal_case(marketer, rep, source="Webinar")

    assert list(case_precedents(case=case)) == [opened_first, opened_second]


def test_a_lead_without_source_or_campaign_has_no_precedents(clock, marketer, rep, decide):
    decide(appeal_case(marketer, rep, reason="no_budget", source=""))
    case = appeal_case(marketer, rep, reason="no_budget", source="")

    assert list(case_precedents(case=case)) == []


def test_ignored_cases_find_earlier_ignored_cases_from_the_same_source(clock, marketer, rep, decide):
    def ignored(**fields):
        case = ignored_case(marketer, rep, clock, **fields)
        clock.advance(hours=1)
        return case

    earlier = ignored(source="Webinar")
    decide(earlier, "follow_up")
    decide(appeal_case(marketer, rep, source="Webinar"))  # an appeal is no precedent for an ignored lead
    case = ignored(source="Webinar")

    assert list(case_precedents(case=case)) == [earlier]


def test_precedents_are_limited_to_the_most_recent(clock, marketer, rep, decide):
    decided = [decide(appeal_case(marketer, rep, source="Webinar")) for _ in range(4)]
    case = appeal_case(marketer, rep, source="Webinar")

    assert list(case_precedents(case=case, limit=2)) == [decided[3], decided[2]]
