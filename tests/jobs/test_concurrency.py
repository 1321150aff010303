"""Jobs on several workers at once, on real PostgreSQL row locks (SPEC §8:
"safe to run on several workers at once").

These tests commit (``transaction=True``) so each thread sees the others'
work; see tests/adjudication/test_concurrency.py for why the module also
restores the migrated data afterwards.
"""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.db.models import Count

from adjudication import jobs as court_jobs
from adjudication import sweeps
from adjudication.models import Case, CaseKind
from leadcourt.errors import InvalidTransition
from leadcourt.notifications.models import Notification, NotificationKind
from leads import services
from leads.models import Lead, LeadEvent, LeadState
from tests import factories
from tests.adjudication.builders import appeal_case
from tests.concurrency import run_at_once

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_restored"),
]

OVERDUE_LEADS = 24


@pytest.fixture
def small_batches():
    # Small batches so that the two sweeps interleave over the same rows (the
    # sweeps that open cases set their own batch size).
    with (
        mock.patch("leadcourt.jobs.batches.DEFAULT_BATCH_SIZE", 4),
        mock.patch("adjudication.sweeps.SWEEP_BATCH_SIZE", 4),
    ):
        yield


def test_two_decision_sweeps_racing_open_exactly_one_case_per_overdue_lead(
    clock, marketer, rep, small_batches
):
    leads = [factories.mql(marketer, rep) for _ in range(OVERDUE_LEADS)]
    clock.set(leads[-1].decision_due_at + timedelta(minutes=1))

    reports = run_at_once(sweeps.sweep_decisions, sweeps.sweep_decisions)

    assert not [r for r in reports if isinstance(r, BaseException)], reports
    assert sum(report.counts["flagged"] for report in reports) == OVERDUE_LEADS
    per_lead = Case.objects.values("lead").annotate(n=Count("pk"))
    assert sorted(row["lead"] for row in per_lead) == sorted(lead.pk for lead in leads)
    assert {row["n"] for row in per_lead} == {1}
    assert set(Case.objects.values_list("kind", flat=True)) == {CaseKind.IGNORED}
    assert LeadEvent.objects.filter(transition="flag_ignored").count() == OVERDUE_LEADS
    assert set(Lead.objects.filter(pk__in=[lead.pk for lead in leads]).values_list("state", flat=True)) == {
        LeadState.IN_REVIEW
    }


def test_a_sweep_and_the_rep_deciding_at_once_leave_exactly_one_outcome(clock, marketer, rep):
    lead = factories.mql(marketer, rep)
    clock.set(lead.decision_due_at + timedelta(minutes=1))

    sweep, accept = run_at_once(sweeps.sweep_decisions, lambda: services.lead_accept(lead=lead, actor=rep))

    lead.refresh_from_db()
    if lead.state == LeadState.SAL:  # the rep was first: nothing to flag
        assert sweep.counts["flagged"] == 0
        assert not Case.objects.exists()
    else:  # the sweep was first: the rep is told the lead is now in review
        assert lead.state == LeadState.IN_REVIEW
        assert isinstance(accept, InvalidTransition)
        assert Case.objects.filter(lead=lead).count() == 1


def test_two_escalations_racing_tell_each_person_of_each_case_once(clock, marketer, rep, judge, manager):
    cases = [appeal_case(marketer, rep) for _ in range(6)]
    clock.set(cases[-1].due_at + timedelta(minutes=1))

    reports = run_at_once(court_jobs.escalate_cases, court_jobs.escalate_cases)

    assert not [r for r in reports if isinstance(r, BaseException)], reports
    assert sum(report.counts["escalated"] for report in reports) == len(cases)
    assert LeadEvent.objects.filter(transition="case_escalated").count() == len(cases)
    # Each run that escalated cases sends its own digest (the runs split the
    # cases, or one takes them all); together they list every case once.
    runs = [report for report in reports if report.counts["escalated"]]
    for person in (judge, manager):
        digests = Notification.objects.filter(kind=NotificationKind.CASE_OVERDUE, recipient=person)
        assert digests.count() == len(runs)
        listed = [line["id"] for digest in digests for line in digest.context["cases"]]
        assert sorted(listed) == sorted(case.pk for case in cases)
