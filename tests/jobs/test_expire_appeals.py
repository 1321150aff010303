"""Appeal expiry (SPEC §8): rejections whose appeal window closed go back to
marketing, by the system; appealed ones stay before the judges."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adjudication import services as court
from leads import jobs
from leads.models import LeadEvent, LeadState
from tests import factories
from tests.jobs.conftest import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def rejections(clock, marketer, rep):
    quiet = factories.rejected(marketer, rep, first_name="Quiet")
    appealed = factories.rejected(marketer, rep, first_name="Appealed")
    court.case_open_appeal(lead=appealed, actor=marketer, argument="They have budget.")
    open_window = None
    clock.advance(days=3)
    open_window = factories.rejected(marketer, rep, first_name="Later")
    return quiet, appealed, open_window


def test_expired_rejections_return_to_marketing_and_others_stay(clock, rejections, system):
    quiet, appealed, later = rejections
    clock.set(quiet.appeal_due_at + timedelta(minutes=1))

    report = jobs.expire_appeals()

    assert str(report) == "returned 1 rejected lead to marketing (appeal window closed)"
    for lead in rejections:
        lead.refresh_from_db()
    assert (quiet.state, appealed.state, later.state) == (
        LeadState.RETURNED,
        LeadState.IN_REVIEW,
        LeadState.REJECTED,
    )
    event = LeadEvent.objects.filter(lead=quiet).last()
    assert (event.transition, event.actor, event.to_state) == ("expire_appeal", system, LeadState.RETURNED)


def test_expiring_twice_changes_nothing_the_second_time(clock, rejections):
    clock.set(rejections[0].appeal_due_at + timedelta(hours=1))
    jobs.expire_appeals()
    after_first = world()

    report = jobs.expire_appeals()

    assert world() == after_first
    assert report.counts == {"returned": 0, "skipped": 0}
