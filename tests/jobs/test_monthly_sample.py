"""The monthly sample job (SPEC §6, §8): only in review mode
``monthly_sample``; on the 1st it audits last month's sample, by the system."""

from __future__ import annotations

from datetime import date

import pytest

from adjudication import jobs
from adjudication.models import Case, CaseKind
from leads.models import LeadEvent
from tests import factories
from tests.clock import london
from tests.jobs.conftest import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def december_rejections(clock, marketer, rep):
    leads = []
    for day in range(2, 12):
        clock.set(london(2024, 12, day, 10, 0))
        leads.append(factories.rejected(marketer, rep, first_name=f"Dec{day}"))
    return leads


def test_does_nothing_outside_monthly_sample_mode(clock, december_rejections):
    clock.set(london(2025, 1, 1, 2, 0))

    report = jobs.monthly_sample()

    assert str(report) == "review mode is 'appeals_only', not 'monthly_sample': no sample taken"
    assert Case.objects.count() == 0


def test_opens_audit_cases_for_last_months_sample_as_the_system(clock, december_rejections, rules, system):
    rules(review_mode="monthly_sample", sample_percent=20)
    clock.set(london(2025, 1, 1, 2, 0))

    report = jobs.monthly_sample()

    assert str(report) == "sampled 2 of 10 unappealed rejections of December 2024, opened 2 audit cases"
    cases = Case.objects.all()
    assert {(case.kind, case.sample_month, case.opened_by) for case in cases} == {
        (CaseKind.AUDIT, date(2024, 12, 1), system)
    }
    assert {case.lead_id for case in cases} <= {lead.pk for lead in december_rejections}
    assert set(LeadEvent.objects.filter(transition="audit_sample").values_list("actor", flat=True)) == {
        system.pk
    }


def test_running_the_sample_twice_changes_nothing_the_second_time(clock, december_rejections, rules):
    rules(review_mode="monthly_sample", sample_percent=30)
    clock.set(london(2025, 1, 1, 2, 0))
    jobs.monthly_sample()
    after_first = world()
    clock.set(london(2025, 1, 14, 11, 0))  # an operator reruns it by hand later in the month

    report = jobs.monthly_sample()

    assert world() == after_first
    assert report.counts["cases_opened"] == 0
    assert report.counts["picked"] == 3
