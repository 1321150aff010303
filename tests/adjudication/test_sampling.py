"""The monthly sample of unappealed rejections (review mode ``monthly_sample``, SPEC §6).

Rejections are made in March 2025 (London time, where summer time starts on
30 March) and the job runs on 1 April.
"""

from __future__ import annotations

import random
from datetime import date

import pytest

from adjudication import services as court
from adjudication.models import Case, CaseKind, CaseStatus
from adjudication.sampling import (
    previous_month,
    rejections_eligible_for_sample,
    rejections_sample_pick,
    sample_size,
)
from adjudication.services import lead_concede
from leads import services
from leads.models import LeadEvent, LeadState
from tests import factories
from tests.clock import london

pytestmark = pytest.mark.django_db

MARCH = date(2025, 3, 1)


@pytest.fixture
def reject_at(clock, marketer, rep):
    """Reject a fresh lead of ``rep``'s at a given wall-clock time."""

    def reject(when, **fields):
        clock.set(when)
        return factories.rejected(marketer, rep, **fields)

    return reject


@pytest.fixture
def march_rejections(reject_at, clock, marketer):
    """Thirteen rejections in March, two of which marketing appealed: eleven eligible."""
    leads = [reject_at(london(2025, 3, 3 + day, 10, 0)) for day in range(13)]
    for lead in leads[3:5]:
        clock.set(london(2025, 3, 20, 9, 0))
        court.case_open_appeal(lead=lead, actor=marketer, argument="They have budget.")
    return leads


def run_on_the_first_of_april(clock, system):
    clock.set(london(2025, 4, 1, 6, 0))
    return court.monthly_sample_open_cases(month=MARCH, actor=system)


def test_only_the_months_unappealed_rejections_in_the_organisations_time_zone_are_eligible(
    reject_at, clock, marketer, rep
):
    before = reject_at(london(2025, 2, 28, 23, 30))
    first = reject_at(london(2025, 3, 3, 10, 0))
    appealed = reject_at(london(2025, 3, 5, 10, 0))
    # 23:30 on 31 March in London is still March (22:30 UTC) ...
    last = reject_at(london(2025, 3, 31, 23, 30))
    # ... and 00:30 on 1 April is April, although it is 31 March in UTC.
    after = reject_at(london(2025, 4, 1, 0, 30))
    clock.set(london(2025, 3, 6, 10, 0))
    court.case_open_appeal(lead=appealed, actor=marketer, argument="They have budget.")
    worked = factories.sal(marketer, rep)
    for channel in ("call", "email", "sms"):
        services.lead_touch_log(lead=worked, actor=rep, channel=channel, outcome="no_answer")
    clock.set(london(2025, 3, 10, 12, 0))
    services.lead_return_after_followup(lead=worked, actor=rep, reason="unreachable")

    eligible = rejections_eligible_for_sample(month=MARCH)

    assert eligible == sorted([first.pk, last.pk, worked.pk])
    assert before.pk not in eligible
    assert after.pk not in eligible
    assert appealed.pk not in eligible


def test_the_same_month_always_gives_the_same_sample(march_rejections):
    eligible = rejections_eligible_for_sample(month=MARCH)
    assert len(eligible) == 11

    picked = rejections_sample_pick(month=MARCH, eligible_ids=eligible, percent=10)

    assert len(picked) == 2
    assert set(picked) <= set(eligible)
    assert rejections_sample_pick(month=MARCH, eligible_ids=eligible, percent=10) == picked
    assert rejections_sample_pick(month=MARCH, eligible_ids=eligible[::-1], percent=10) == picked
    assert rejections_eligible_for_sample(month=MARCH) == eligible


def documented_pick(year: int, month: int, ids: list[int], size: int) -> list[int]:
    """The pick as adjudication/sampling.py documents it: ``random.Random``
    seeded with ``leadcourt-monthly-sample-YYYY-MM``, sampling the ids in
    ascending order, returned sorted. Written out here, not imported, so that
    a change to the seeding in the code shows as a difference."""
    rng = random.Random(f"leadcourt-monthly-sample-{year:04d}-{month:02d}")
    return sorted(rng.sample(sorted(ids), size))


# Large enough that two different seeds picking the same 100 of 1,000 ids
# (one chance in C(1000, 100), about 10^-139) cannot happen by accident.
POOL = list(range(5_000, 6_000))
MONTHS = [date(year, month, 1) for year in (2024, 2025) for month in range(1, 13)]


def test_the_sample_of_a_known_month_is_the_one_its_seed_gives():
    """March 2025, ids 1 to 20, 25 %: the five ids below are what
    ``random.Random("leadcourt-monthly-sample-2025-03").sample(range(1, 21), 5)``
    gives, worked out once outside the code. A changed seed (a different
    text, another part of the date, none) or a different way of drawing gives
    other ids, and every past month's audit would no longer be reproducible."""
    picked = rejections_sample_pick(month=MARCH, eligible_ids=list(range(1, 21)), percent=25)

    assert picked == [9, 10, 12, 15, 16]


def test_the_sample_is_seeded_by_the_year_and_the_month():
    """Each of 24 months (two years, so the same month number twice) picks
    exactly what the documented seed for that year and month gives, and no
    two months pick the same sample from a pool where a coincidence is
    practically impossible. Fails if the seed ignores the year, the month,
    or part of either (e.g. ``month % 6``), or is not the documented one."""
    picks = {month: rejections_sample_pick(month=month, eligible_ids=POOL, percent=10) for month in MONTHS}

    for month, picked in picks.items():
        assert len(picked) == 100
        assert picked == documented_pick(month.year, month.month, POOL, 100), month
    assert len({tuple(picked) for picked in picks.values()}) == len(MONTHS)


@pytest.mark.parametrize("day", [2, 15, 28, 31])
def test_the_same_month_written_with_any_day_gives_the_same_sample(day):
    """The seed is the month, not the date: the job may be given any day of
    it (a rerun by hand, ``--now``) and must pick what the 1st picks, from a
    pool where another seed would surely pick otherwise. Fails if the day
    leaks into the seed."""
    on_the_first = rejections_sample_pick(month=MARCH, eligible_ids=POOL, percent=10)

    assert rejections_sample_pick(month=date(2025, 3, day), eligible_ids=POOL, percent=10) == on_the_first


@pytest.mark.parametrize(
    ("eligible", "percent", "size"),
    [(11, 10, 2), (4, 25, 1), (10, 10, 1), (20, 10, 2), (1, 1, 1), (0, 10, 0), (7, 100, 7), (7, 0, 0)],
)
def test_the_sample_size_is_the_share_of_eligible_rejections_rounded_up(eligible, percent, size):
    assert sample_size(eligible=eligible, percent=percent) == size
    ids = list(range(100, 100 + eligible))
    assert len(rejections_sample_pick(month=MARCH, eligible_ids=ids, percent=percent)) == size


def test_the_monthly_job_audits_ten_percent_of_eleven_eligible_rejections_as_two_cases(
    march_rejections, clock, system
):
    result = run_on_the_first_of_april(clock, system)

    assert (result.month, result.eligible, len(result.picked)) == (MARCH, 11, 2)
    assert sorted(case.lead_id for case in result.opened) == result.picked
    assert result.skipped == {}
    for case in Case.objects.filter(sample_month=MARCH):
        assert (case.kind, case.status, case.opened_by) == (CaseKind.AUDIT, CaseStatus.OPEN, system)
        assert case.reason_code == "no_budget"
        case.lead.refresh_from_db()
        assert case.lead.state == LeadState.IN_REVIEW
        event = LeadEvent.objects.filter(lead=case.lead).last()
        assert (event.transition, event.actor, event.to_state) == (
            "audit_sample",
            system,
            LeadState.IN_REVIEW,
        )
    assert Case.objects.filter(sample_month=MARCH).count() == 2


def test_a_quarter_of_four_eligible_rejections_is_one_audit(reject_at, rules, clock, system):
    for day in (3, 4, 5, 6):
        reject_at(london(2025, 3, day, 10, 0))
    rules(sample_percent=25)

    result = run_on_the_first_of_april(clock, system)

    assert (result.eligible, len(result.picked), len(result.opened)) == (4, 1, 1)


def test_appealed_rejections_are_never_sampled_even_when_sampling_everything(
    march_rejections, rules, clock, system
):
    rules(sample_percent=100)
    appealed = {lead.pk for lead in march_rejections[3:5]}

    result = run_on_the_first_of_april(clock, system)

    assert len(result.picked) == 11
    assert appealed.isdisjoint(result.picked)
    assert len(result.opened) == 11
    for lead_id in appealed:
        assert list(Case.objects.filter(lead_id=lead_id).values_list("kind", flat=True)) == [CaseKind.APPEAL]


def test_running_the_monthly_job_twice_opens_no_second_case(march_rejections, clock, system):
    first = run_on_the_first_of_april(clock, system)
    cases_after_first_run = Case.objects.count()
    events_after_first_run = LeadEvent.objects.count()

    clock.set(london(2025, 4, 1, 7, 0))
    second = court.monthly_sample_open_cases(month=MARCH, actor=system)

    assert second.picked == first.picked
    assert second.opened == []
    assert second.skipped == dict.fromkeys(first.picked, "already audited for this month")
    assert Case.objects.count() == cases_after_first_run
    assert LeadEvent.objects.count() == events_after_first_run


def test_a_sampled_rejection_that_went_back_to_marketing_is_audited_from_there(
    reject_at, rules, clock, system
):
    lead = reject_at(london(2025, 3, 3, 10, 0))
    clock.set(london(2025, 3, 31, 12, 0))
    services.lead_expire_appeal(lead=lead, actor=system)
    rules(sample_percent=100)

    result = run_on_the_first_of_april(clock, system)

    assert [case.lead_id for case in result.opened] == [lead.pk]
    lead.refresh_from_db()
    assert lead.state == LeadState.IN_REVIEW
    event = LeadEvent.objects.filter(lead=lead).last()
    assert (event.transition, event.from_state, event.actor) == ("audit_sample", LeadState.RETURNED, system)


def test_a_sampled_lead_that_can_no_longer_be_audited_is_skipped_and_the_others_still_open(
    reject_at, rules, clock, marketer, system
):
    recycled = reject_at(london(2025, 3, 3, 10, 0))
    kept = reject_at(london(2025, 3, 4, 10, 0))
    clock.set(london(2025, 3, 20, 12, 0))
    lead_concede(lead=recycled, actor=marketer)
    services.lead_recycle(lead=recycled, actor=marketer)
    rules(sample_percent=100)

    result = run_on_the_first_of_april(clock, system)

    assert result.picked == sorted([recycled.pk, kept.pk])
    assert [case.lead_id for case in result.opened] == [kept.pk]
    assert list(result.skipped) == [recycled.pk]
    assert "not possible" in result.skipped[recycled.pk]
    recycled.refresh_from_db()
    assert recycled.state == LeadState.MQL
    assert not Case.objects.filter(lead=recycled).exists()


def test_the_monthly_job_treats_any_day_of_the_month_as_that_month(reject_at, rules, clock, system, judge):
    lead = reject_at(london(2025, 3, 3, 10, 0))
    rules(sample_percent=100)
    first = run_on_the_first_of_april(clock, system)
    # The audit is decided, so the lead could be audited again...
    clock.set(london(2025, 4, 2, 10, 0))
    court.case_verdict_render(
        case=first.opened[0], actor=judge, decision="uphold", finding="none", rationale="Fair rejection."
    )

    # ... but not for March a second time, however the month is written.
    again = court.monthly_sample_open_cases(month=date(2025, 3, 20), actor=system)

    assert first.month == again.month == MARCH
    assert again.opened == []
    assert again.skipped == {lead.pk: "already audited for this month"}
    assert list(Case.objects.filter(lead=lead).values_list("sample_month", flat=True)) == [MARCH]


def test_the_month_to_sample_is_the_one_before_the_run():
    assert previous_month(date(2025, 4, 1)) == MARCH
    assert previous_month(date(2025, 1, 31)) == date(2024, 12, 1)


def test_an_appeal_filed_after_the_first_run_does_not_change_a_rerun(
    march_rejections, reject_at, clock, system
):
    late = [reject_at(london(2025, 3, 31, 10, 0)) for _ in range(3)]  # windows still open on 1 April
    first = run_on_the_first_of_april(clock, system)
    unpicked = next(lead for lead in late if lead.pk not in first.picked)
    clock.set(london(2025, 4, 1, 8, 0))
    court.case_open_appeal(lead=unpicked, actor=unpicked.marketer, argument="Reconsider.")
    cases_before_rerun = Case.objects.count()

    clock.set(london(2025, 4, 1, 9, 0))
    second = court.monthly_sample_open_cases(month=MARCH, actor=system)

    assert (second.eligible, second.picked) == (first.eligible, first.picked)
    assert second.opened == []
    assert Case.objects.count() == cases_before_rerun


def test_rejections_already_audited_under_all_rejections_are_not_sampled_again(
    reject_at, rules, clock, system
):
    rules(review_mode="all_rejections")
    audited = reject_at(london(2025, 3, 3, 10, 0))
    rules(review_mode="monthly_sample", sample_percent=100)
    plain = reject_at(london(2025, 3, 4, 10, 0))

    result = run_on_the_first_of_april(clock, system)

    assert result.picked == [plain.pk]
    assert list(Case.objects.filter(lead=audited).values_list("kind", flat=True)) == [CaseKind.AUDIT]
